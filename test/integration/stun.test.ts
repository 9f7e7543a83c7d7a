// The built-in STUN server, spoken to over real UDP with the STUN package's
// own encoder: Binding requests are answered with the sender's address, and
// nothing else is answered at all.

import { createSocket, type Socket } from 'node:dgram';
import stun from '@msimerson/stun';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, stopServers } from './support/server.js';

afterEach(stopServers);

const { STUN_BINDING_REQUEST, STUN_BINDING_RESPONSE } = stun.constants;
/** How long "no answer" is waited for (an answer on loopback takes well under a millisecond). */
const SILENCE_MS = 300;

/** A UDP client on loopback that keeps every datagram it receives. */
async function udpClient(): Promise<{ socket: Socket; port: number; received: Buffer[]; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const received: Buffer[] = [];
  socket.on('message', (message) => received.push(message));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port, received, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** Sends `packet` to the STUN port and waits for one answer (or `SILENCE_MS` of none). */
async function exchange(client: Awaited<ReturnType<typeof udpClient>>, port: number, packet: Buffer): Promise<Buffer | null> {
  const before = client.received.length;
  client.socket.send(packet, port, '127.0.0.1');
  const deadline = Date.now() + SILENCE_MS;
  while (Date.now() < deadline) {
    if (client.received.length > before) return client.received[before] ?? null;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return null;
}

function bindingRequest(): { packet: Buffer; transactionId: Buffer } {
  const request = stun.createMessage(STUN_BINDING_REQUEST);
  return { packet: request.toBuffer(), transactionId: request.transactionId };
}

describe('built-in STUN server', () => {
  it('answers a Binding request with the XOR-MAPPED-ADDRESS it came from', async () => {
    const server = await startTestServer();
    expect(server.stunPort).toBeGreaterThan(0);
    const client = await udpClient();
    const { packet, transactionId } = bindingRequest();
    const answer = await exchange(client, server.stunPort!, packet);
    expect(answer).not.toBeNull();
    const response = stun.decode(answer!);
    expect(response.type).toBe(STUN_BINDING_RESPONSE);
    expect(response.transactionId.equals(transactionId)).toBe(true);
    expect(response.getXorAddress()).toMatchObject({ address: '127.0.0.1', port: client.port, family: 'IPv4' });
    expect(stun.validateFingerprint(response)).toBe(true);
    await client.close();
  });

  it('answers a request with a good FINGERPRINT, and ignores anything that is not a valid Binding request', async () => {
    const server = await startTestServer();
    const port = server.stunPort!;
    const client = await udpClient();

    const signed = stun.createMessage(STUN_BINDING_REQUEST);
    signed.addFingerprint();
    expect(await exchange(client, port, signed.toBuffer())).not.toBeNull();

    const badFingerprint = Buffer.from(signed.toBuffer());
    badFingerprint[badFingerprint.length - 1]! ^= 0xff;
    const trailing = Buffer.concat([bindingRequest().packet, Buffer.alloc(4)]);
    const truncated = bindingRequest().packet.subarray(0, 19);
    const lengthTooLong = Buffer.from(bindingRequest().packet);
    lengthTooLong.writeUInt16BE(8, 2);
    const noCookie = Buffer.from(bindingRequest().packet);
    noCookie.writeUInt32BE(0, 4);
    const garbage = [
      Buffer.from('hello, is this STUN?'),
      Buffer.alloc(0),
      Buffer.alloc(20),
      Buffer.alloc(1500, 0xa5),
      truncated,
      trailing,
      lengthTooLong,
      noCookie,
      badFingerprint,
      stun.createMessage(STUN_BINDING_RESPONSE).toBuffer(), // Not a request.
      stun.createMessage(0x0011).toBuffer(), // A Binding indication.
      stun.createMessage(0x0003).toBuffer(), // A TURN Allocate request: also of the request class.
    ];
    for (const packet of garbage) {
      expect(await exchange(client, port, packet), packet.toString('hex').slice(0, 40)).toBeNull();
    }
    // Still alive, still answering.
    const { packet, transactionId } = bindingRequest();
    const answer = await exchange(client, port, packet);
    expect(stun.decode(answer!).transactionId.equals(transactionId)).toBe(true);
    expect(client.received).toHaveLength(2);
    await client.close();
  });

  it('refuses to start a second server on the same STUN port, naming CWMN_STUN_PORT', async () => {
    const first = await startTestServer();
    await expect(startTestServer({ stunPort: first.stunPort })).rejects.toThrow(/^CWMN_STUN_PORT: UDP port \d+ on 127\.0\.0\.1 is already in use/);
    // The first one is untouched.
    const client = await udpClient();
    expect(await exchange(client, first.stunPort!, bindingRequest().packet)).not.toBeNull();
    await client.close();
  });

  it('is not started when CWMN_STUN_PORT is off', async () => {
    const server = await startTestServer({ stunPort: null });
    expect(server.stunPort).toBeNull();
  });
});
