import { describe, expect, it } from 'vitest';
import { cursorCommands, encoderArgs } from '../../../signaling/replay/ffmpeg.js';

const frame = { width: 800, height: 600 };

describe('encoderArgs', () => {
  it('encodes piped JPEG frames at 25 fps to H.264 yuv420p with faststart, cut to the frames given', () => {
    const args = encoderArgs({ frame, frameCount: 250, audio: [], output: '/tmp/v.mp4' });
    const line = args.join(' ');
    expect(line).toContain('-f image2pipe -framerate 25 -c:v mjpeg -i pipe:0');
    expect(args[args.indexOf('-filter_complex') + 1]).toBe('[0:v]scale=800:600:flags=bicubic,format=yuv420p[vout]');
    expect(line).toContain('-map [vout] -c:v libx264');
    expect(line).toContain('-pix_fmt yuv420p');
    expect(line).toContain('-r 25');
    expect(line).toContain('-t 10.000 -movflags +faststart');
    expect(line).not.toContain('-c:a');
    expect(args[args.length - 1]).toBe('/tmp/v.mp4');
  });

  it('draws the cursor over the frames, moved by a sendcmd script', () => {
    const args = encoderArgs({ frame, frameCount: 25, audio: [], output: '/o.mp4', cursor: { image: '/w/cursor.png', commands: 'cursor.cmd' } });
    expect(args.join(' ')).toContain('-i pipe:0 -i /w/cursor.png');
    expect(args[args.indexOf('-filter_complex') + 1]).toBe(
      '[0:v]sendcmd=f=cursor.cmd[bg];[bg][1:v]overlay@cursor=x=-100:y=-100:eval=frame,scale=800:600:flags=bicubic,format=yuv420p[vout]');
    expect(() => encoderArgs({ frame, frameCount: 1, audio: [], output: '/o.mp4', cursor: { image: '/c.png', commands: 'a;b' } })).toThrow();
  });

  it('delays each audio segment to its offset (cutting the part before the video starts), mixes, pads and encodes AAC', () => {
    const args = encoderArgs({
      frame, frameCount: 100, output: '/tmp/v.mp4', cursor: { image: '/c.png', commands: 'c.cmd' },
      audio: [{ file: '/a0.webm', offsetMs: -250 }, { file: '/a1.webm', offsetMs: 1500 }],
    });
    const graph = args[args.indexOf('-filter_complex') + 1]!.split(';');
    expect(graph.slice(2)).toEqual([
      '[2:a]atrim=start=0.250,asetpts=PTS-STARTPTS,aresample=48000,adelay=delays=0:all=1[a0]',
      '[3:a]aresample=48000,adelay=delays=1500:all=1[a1]',
      '[a0][a1]amix=inputs=2:duration=longest:normalize=0,apad[aout]',
    ]);
    const line = args.join(' ');
    expect(line).toContain('-i /c.png -i /a0.webm -i /a1.webm');
    expect(line).toContain('-map [aout] -c:a aac');
    expect(line).toContain('-t 4.000 -shortest');
  });

  it('pads a single segment without mixing', () => {
    const args = encoderArgs({ frame, frameCount: 25, output: '/o.mp4', audio: [{ file: '/a.webm', offsetMs: 40 }] });
    expect(args[args.indexOf('-filter_complex') + 1]).toBe(
      '[0:v]scale=800:600:flags=bicubic,format=yuv420p[vout];[1:a]aresample=48000,adelay=delays=40:all=1[a0];[a0]apad[aout]');
  });
});

describe('cursorCommands', () => {
  it('moves the cursor just before each frame it changes at', () => {
    expect(cursorCommands([{ frame: 0, x: -100, y: -100 }, { frame: 3, x: 10, y: 20 }])).toBe(
      '0.000 overlay@cursor x -100, overlay@cursor y -100;\n0.119 overlay@cursor x 10, overlay@cursor y 20;\n');
  });
});
