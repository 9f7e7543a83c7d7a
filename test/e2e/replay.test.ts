// Replay end to end: record a page and a (fake) microphone in Chromium, render
// on the server, check the video with ffprobe, and the send / abandon / error paths.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSmtpServer, type TestSmtpServer } from '../integration/support/smtp.js';
import { launchBrowser, openHost, startCwmn, startSite, type Cwmn } from './harness.js';

type Recorded = { name: string; args: unknown[] };
const names = (page: Page) => page.evaluate(() => (window as unknown as { __events: Recorded[] }).__events.map((e) => e.name));

describe('replay', () => {
  let cwmn: Cwmn;
  let site: { url: string; close(): Promise<void> };
  let browser: Browser;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    cwmn = await startCwmn({ CWMN_REPLAY_MAX_SECONDS: '600', CWMN_SMTP_URL: smtp.url });
    site = await startSite(cwmn.server.url);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await cwmn?.close();
    await smtp?.close();
  });

  async function record(seconds: number): Promise<Page> {
    const host = await openHost(await browser.newContext({ viewport: { width: 800, height: 600 } }), `${site.url}/host.html`);
    for (const n of ['waiting for replay', 'replay progress', 'replay complete', 'replay error', 'replay timeout warning', 'replay timeout']) {
      await host.evaluate((name) => window.CwmnAPI!.on(name as 'replay complete', (window as unknown as { __record: (n: string) => () => void }).__record(name)), n);
    }
    const info = await host.evaluate(async () => {
      const started = await window.CwmnAPI!.session.start({ hostName: 'Rita', hostEmail: 'rita@example.com', isReplay: true });
      (window as unknown as { __startedAt: number }).__startedAt = Date.now();
      return started;
    });
    expect(info.isReplay).toBe(true);
    for (let i = 0; i < seconds * 2; i++) {
      await host.evaluate((n) => {
        const li = document.createElement('li');
        li.textContent = `Step ${n}`;
        document.getElementById('list')!.appendChild(li);
        document.getElementById('title')!.style.color = n % 2 ? 'rgb(200, 0, 0)' : 'rgb(0, 0, 200)';
      }, i);
      await host.waitForTimeout(500);
    }
    return host;
  }

  it('records, renders with progress, and serves a video with sound', async () => {
    const host = await record(10);
    const recordedMs = await host.evaluate(() => {
      const length = Date.now() - (window as unknown as { __startedAt: number }).__startedAt;
      void window.CwmnAPI!.session.endSession();
      return length;
    });
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('waiting for replay');
    await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'replay complete', undefined, { timeout: 90_000 });
    const progress = await host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events
      .filter((e) => e.name === 'replay progress').map((e) => e.args[0] as { progress: number; completed: boolean }));
    expect(progress[0]).toEqual({ progress: 0, completed: false });
    expect(progress.at(-1)).toEqual({ progress: 1, completed: true });
    const sequence = (await names(host)).filter((n) => n !== 'replay progress');
    expect(sequence.slice(-3)).toEqual(['end session', 'waiting for replay', 'replay complete']);
    expect(await host.evaluate(() => window.CwmnAPI!.replay.getRenderingProgress())).toEqual({ progress: 1, completed: true });

    const url = await host.evaluate(() => window.CwmnAPI!.replay.getVideoURL());
    const res = await fetch(url);
    expect(res.status).toBe(200);
    const file = join(mkdtempSync(join(tmpdir(), 'cwmn-video-')), 'replay.mp4');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file]).toString()) as {
      streams: { codec_type: string; codec_name: string; width?: number; height?: number }[]; format: { duration: string };
    };
    const video = probe.streams.find((s) => s.codec_type === 'video')!;
    expect(video).toMatchObject({ codec_name: 'h264', width: 800, height: 600 });
    expect(probe.streams.some((s) => s.codec_type === 'audio')).toBe(true);
    // The video lasts as long as the recording (to within a few frames).
    expect(Math.abs(Number(probe.format.duration) - recordedMs / 1000)).toBeLessThanOrEqual(0.2);

    await host.evaluate(() => window.CwmnAPI!.replay.sendVideo({ toEmails: 'boss@example.com, team@example.com', subject: 'Walkthrough', message: 'Have a look' }));
    await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'no session');
    expect((await names(host)).slice(-2)).toEqual(['reinit', 'ready no session']);
    // A real SMTP server received the mail with the video's URL and the personal message.
    const to = smtp.received.flatMap((m) => m.envelopeTo);
    expect(to).toEqual(expect.arrayContaining(['boss@example.com', 'team@example.com']));
    const mail = smtp.received.at(-1)!.mail;
    expect(mail.subject).toBe('Walkthrough');
    expect(mail.text).toContain(url);
    expect(mail.text).toContain('Have a look');
  });

  it('sends a video asked for while it renders: the promise resolves once the mail is out', async () => {
    const host = await record(2);
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('waiting for replay');
    const before = smtp.received.length;
    await host.evaluate(() => window.CwmnAPI!.replay.sendVideo({ toEmails: 'early@example.com', subject: 'Early' }));
    expect(smtp.received.length).toBe(before + 1);
    expect(smtp.received.at(-1)!.envelopeTo).toEqual(['early@example.com']);
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
  });

  it('abandons a video and rejects bad parameters', async () => {
    const host = await record(2);
    await host.evaluate(() => window.CwmnAPI!.session.endSession());
    const bad = await host.evaluate(() => window.CwmnAPI!.replay.sendVideo({ toEmails: 'not an address' }).then(() => 'ok', (e: { code: string }) => e.code));
    expect(bad).toBe('ERR_INVALID_PARAMS');
    await host.evaluate(() => window.CwmnAPI!.replay.abandonVideo());
    expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
    expect((await names(host)).slice(-2)).toEqual(['reinit', 'ready no session']);
  });
});

describe('replay maximum length', () => {
  it('warns, times out, ends the session and renders', async () => {
    const cwmn = await startCwmn({ CWMN_REPLAY_MAX_SECONDS: '3' });
    const site = await startSite(cwmn.server.url);
    const browser = await launchBrowser();
    try {
      const host = await openHost(await browser.newContext(), `${site.url}/host.html`);
      for (const n of ['waiting for replay', 'replay complete', 'replay timeout warning', 'replay timeout']) {
        await host.evaluate((name) => window.CwmnAPI!.on(name as 'replay complete', (window as unknown as { __record: (n: string) => () => void }).__record(name)), n);
      }
      await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Max', isReplay: true }));
      await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'replay complete', undefined, { timeout: 60_000 });
      const log = await host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
      const sequence = log.map((e) => e.name).filter((n) => ['replay timeout warning', 'replay timeout', 'end session', 'waiting for replay', 'replay complete'].includes(n));
      expect(sequence).toEqual(['replay timeout warning', 'replay timeout', 'end session', 'waiting for replay', 'replay complete']);
      const warning = log.find((e) => e.name === 'replay timeout warning')!.args[0] as string;
      expect(warning).toMatch(/recording will stop in \d+ seconds/);
    } finally {
      await browser.close();
      await site.close();
      await cwmn.close();
    }
  });
});

describe('replay that cannot render', () => {
  it('mutes the microphone on request, then shows replay error with a reason until dismissed', async () => {
    // A renderer that does not exist: the server's worker fails at once.
    const cwmn = await startCwmn({ CWMN_CHROMIUM_PATH: '/nonexistent/chromium' });
    const site = await startSite(cwmn.server.url);
    const browser = await launchBrowser();
    try {
      const context = await browser.newContext();
      // Test-only: keeps the microphone tracks the page opens, to see muting silence them.
      await context.addInitScript(() => {
        const tracks: MediaStreamTrack[] = [];
        (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks = tracks;
        const open = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
        navigator.mediaDevices.getUserMedia = async (c) => {
          const stream = await open(c);
          tracks.push(...stream.getAudioTracks());
          return stream;
        };
      });
      const host = await openHost(context, `${site.url}/host.html`);
      /** The microphone tracks that record sound (a muted one records silence, so the sound stays in time with the page). */
      const liveTracks = () => host.evaluate(() => (window as unknown as { __tracks: MediaStreamTrack[] }).__tracks
        .filter((t) => t.readyState === 'live' && t.enabled).length);
      for (const n of ['waiting for replay', 'replay complete', 'replay error']) {
        await host.evaluate((name) => window.CwmnAPI!.on(name as 'replay complete', (window as unknown as { __record: (n: string) => () => void }).__record(name)), n);
      }
      await host.evaluate(() => window.CwmnAPI!.session.start({ hostName: 'Eve', isReplay: true }));
      await expect.poll(liveTracks).toBe(1);
      await host.evaluate(() => window.CwmnAPI!.replay.muteAudio(true));
      await expect.poll(liveTracks).toBe(0);
      await host.evaluate(() => window.CwmnAPI!.replay.muteAudio(false));
      await expect.poll(liveTracks).toBe(1);
      await host.evaluate(() => window.CwmnAPI!.session.endSession());
      expect(await host.evaluate(() => window.CwmnAPI!.replay.getRenderingProgress())).toMatchObject({ completed: false });
      // Asked while rendering: the promise settles with the render, here with an error, not silently.
      const sending = host.evaluate(() => window.CwmnAPI!.replay.sendVideo({ toEmails: 'team@example.com' })
        .then(() => 'sent', (e: { code: string }) => e.code));
      await host.waitForFunction(() => window.CwmnAPI!.getCurrentState() === 'replay error', undefined, { timeout: 30_000 });
      const log = await host.evaluate(() => (window as unknown as { __events: Recorded[] }).__events);
      const error = log.find((e) => e.name === 'replay error')!;
      expect(error.args[0]).toEqual(expect.stringMatching(/\S/));
      expect(log.map((e) => e.name)).not.toContain('replay complete');
      expect(await sending).toBe('ERR_SERVER');
      await host.evaluate(() => window.CwmnAPI!.replay.dismissError());
      expect(await host.evaluate(() => window.CwmnAPI!.getCurrentState())).toBe('no session');
      expect((await names(host)).slice(-2)).toEqual(['reinit', 'ready no session']);
    } finally {
      await browser.close();
      await site.close();
      await cwmn.close();
    }
  });
});
