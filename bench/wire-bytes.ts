// Bytes on the wire against raw rrweb JSON, seen from a guest: the `dom` data
// channel's `bytesReceived` (RTCPeerConnection.getStats) against the characters
// the viewer decoded (TextDecoder.prototype.decode, wrapped by the guest probe).

import type { Page } from 'playwright-core';
import type { GuestProbe } from './probes.js';
import { sleep, withTimeout } from './session.js';

export interface ByteCounts {
  /** Payload bytes received on the `dom` data channel. */
  wire: number;
  /** Characters of JSON decoded by the viewer. */
  raw: number;
  /** Bytes received by the peer connections' transports (SCTP, DTLS and UDP headers included). */
  transport: number;
}

export interface WireBytes {
  snapshot: ByteCounts;
  mutations: ByteCounts;
  total: ByteCounts;
  mutationCount: number;
}

/** Quiet time before counters are read, so that nothing is still in flight. */
const SETTLE_MS = 500;

/**
 * `guest` has just gone live on the host's page: counts what its snapshot took,
 * then makes `count` small DOM changes on the host, each in its own task, and
 * counts what they took once the last one shows in the mirror.
 */
export async function measureWireBytes(host: Page, guest: Page, count: number): Promise<WireBytes> {
  await sleep(SETTLE_MS);
  const snapshot = await readCounters(guest);
  const last = await withTimeout(host.evaluate(async (count) => {
    const rows = document.getElementById('rows')!.children;
    const channel = new MessageChannel();
    // A message to oneself is a new task: every change is recorded and sent on its own.
    const nextTask = () => new Promise<void>((resolve) => {
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(0);
    });
    for (let i = 0; i < count; i++) {
      await nextTask();
      rows[i % rows.length]!.firstElementChild!.textContent = `mutation ${i}`;
    }
    channel.port1.close();
    return { index: (count - 1) % rows.length, text: `mutation ${count - 1}` };
  }, count), 60_000, 'host mutations');
  await guest.waitForFunction(({ index, text }) => {
    const doc = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentDocument!;
    return doc.getElementById('rows')?.children[index]?.firstElementChild?.textContent === text;
  }, last, { timeout: 30_000 });
  await sleep(SETTLE_MS);
  const total = await readCounters(guest);
  const minus = (a: ByteCounts, b: ByteCounts): ByteCounts => ({ wire: a.wire - b.wire, raw: a.raw - b.raw, transport: a.transport - b.transport });
  return { snapshot, mutations: minus(total, snapshot), total, mutationCount: count };
}

async function readCounters(guest: Page): Promise<ByteCounts> {
  return guest.evaluate(async () => {
    const probe = (window as unknown as { __probe: GuestProbe }).__probe;
    const counts = { wire: 0, raw: probe.decodedChars, transport: 0 };
    for (const pc of probe.pcs) {
      let report: RTCStatsReport;
      try {
        report = await pc.getStats();
      } catch {
        continue; // Closed.
      }
      report.forEach((s: { type: string; label?: string; bytesReceived?: number }) => {
        if (s.type === 'data-channel' && s.label === 'dom') counts.wire += s.bytesReceived ?? 0;
        if (s.type === 'transport') counts.transport += s.bytesReceived ?? 0;
      });
    }
    return counts;
  });
}
