// Latency figures of a live session (host and guest already connected):
// host DOM change → guest DOM, guest pointer → host `roomdata update`, host
// mouse → guest cursor. Each side timestamps its own events on the clock all
// pages of the machine share; samples are paired afterwards.

import type { Page } from 'playwright-core';
import { HOST_NAME, sleep, withTimeout } from './session.js';

/** A timestamped position (ms, CSS px). */
interface At {
  t: number;
  x: number;
  y: number;
}

export interface PairedSamples {
  /** Latencies in ms. */
  samples: number[];
  /** Events sent that never showed up on the other side. */
  lost: number;
}

/** Time for a change to show up when it is the last one of a run. */
const SETTLE_MS = 1_000;

/**
 * Changes the host's `#probe` text `count` times, `spacingMs` apart, after
 * `warmup` unmeasured changes; the guest notes when each text appears in the mirror.
 */
export async function measureDomLatency(host: Page, guest: Page, count: number, spacingMs: number, warmup = 10): Promise<PairedSamples> {
  const prefix = `p${Date.now().toString(36)}-`;
  await guest.evaluate(() => {
    const doc = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.contentDocument!;
    const seen: Record<string, number> = {};
    (window as unknown as { __seen: Record<string, number> }).__seen = seen;
    new MutationObserver(() => {
      const t = performance.timeOrigin + performance.now();
      const text = doc.getElementById('probe')?.textContent;
      if (text && !(text in seen)) seen[text] = t;
    }).observe(doc, { subtree: true, childList: true, characterData: true });
  });
  const total = warmup + count;
  const sent = await withTimeout(host.evaluate(async ({ total, spacingMs, prefix }) => {
    const probe = document.getElementById('probe')!;
    const times: Record<string, number> = {};
    for (let i = 0; i < total; i++) {
      const text = `${prefix}${i}`;
      times[text] = performance.timeOrigin + performance.now();
      probe.textContent = text;
      await new Promise((r) => setTimeout(r, spacingMs));
    }
    return times;
  }, { total, spacingMs, prefix }), total * spacingMs * 3 + 10_000, 'host probe changes');
  await guest.waitForFunction((last) => last in (window as unknown as { __seen: Record<string, number> }).__seen,
    `${prefix}${total - 1}`, { timeout: SETTLE_MS }).catch(() => {});
  const seen = await guest.evaluate(() => (window as unknown as { __seen: Record<string, number> }).__seen);
  const samples: number[] = [];
  let lost = 0;
  for (let i = warmup; i < total; i++) {
    const text = `${prefix}${i}`;
    const at = seen[text];
    if (at === undefined) lost++;
    else samples.push(at - sent[text]!);
  }
  return { samples, lost };
}

/**
 * Moves the guest's mouse over the mirror `count` times, `spacingMs` apart, to
 * distinct positions; pairs each `pointermove` on `#cwmn-surface` with the first
 * `roomdata update` on the host that lists the guest `guestName` at that position.
 */
export async function measureGuestPointer(host: Page, guest: Page, guestName: string, count: number, spacingMs: number): Promise<PairedSamples> {
  // Where the mirror is drawn: viewer client px → host page px.
  const geo = await guest.evaluate(() => {
    const frame = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!;
    const r = frame.getBoundingClientRect();
    const win = frame.contentWindow!;
    const surface = document.getElementById('cwmn-surface')!;
    const moves: { t: number; x: number; y: number }[] = [];
    (window as unknown as { __moves: typeof moves }).__moves = moves;
    surface.addEventListener('pointermove', (e) => {
      moves.push({ t: performance.timeOrigin + performance.now(), x: e.clientX, y: e.clientY });
    }, { capture: true, passive: true });
    return { left: r.left, top: r.top, scale: r.width / frame.offsetWidth, scrollX: win.scrollX, scrollY: win.scrollY };
  });
  const toHost = (m: At) => ({ x: Math.round((m.x - geo.left) / geo.scale + geo.scrollX), y: Math.round((m.y - geo.top) / geo.scale + geo.scrollY) });
  const at = (i: number) => ({ x: geo.left + (60 + 7 * i) * geo.scale, y: geo.top + (120 + (i % 12) * 20) * geo.scale });

  // A first move makes the guest's pointer known; only the moves after it are measured.
  await guest.mouse.move(at(0).x - 30, at(0).y);
  await sleep(200);
  const since = await guest.evaluate(() => performance.timeOrigin + performance.now());
  const before = await host.evaluate(() => (window as unknown as { __bench: { roomdata: unknown[] } }).__bench.roomdata.length);
  const deadline = Date.now() + count * spacingMs * 3 + 5_000;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    await guest.mouse.move(at(i).x, at(i).y);
    await sleep(spacingMs);
  }
  await sleep(300);
  const moves = await guest.evaluate(() => (window as unknown as { __moves: At[] }).__moves);
  const updates = await host.evaluate((n) => (window as unknown as { __bench: { roomdata: { t: number; guests: { name: string; x: number | null; y: number | null }[] }[] } })
    .__bench.roomdata.slice(n), before);
  const positions: At[] = [];
  for (const u of updates) {
    const g = u.guests.find((x) => x.name === guestName);
    if (g && g.x !== null && g.y !== null) positions.push({ t: u.t, x: g.x, y: g.y });
  }
  return pair(moves.filter((m) => m.t > since).map((m) => ({ t: m.t, ...toHost(m) })), positions, 1);
}

/**
 * Moves the host's mouse `count` times, `spacingMs` apart, to distinct
 * positions; pairs each `mousemove` on the host with the first change of the
 * host cursor's transform in the viewer's `#cwmn-layer` to that position.
 */
export async function measureHostCursor(host: Page, guest: Page, count: number, spacingMs: number): Promise<PairedSamples> {
  const geo = await guest.evaluate((hostName) => {
    const frame = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!;
    const layer = document.getElementById('cwmn-layer')!;
    const f = frame.getBoundingClientRect();
    const l = layer.getBoundingClientRect();
    const seen: { t: number; x: number; y: number }[] = [];
    (window as unknown as { __cursor: typeof seen }).__cursor = seen;
    new MutationObserver(() => {
      const t = performance.timeOrigin + performance.now();
      for (const el of layer.querySelectorAll<HTMLElement>('.cwmn-pointer')) {
        if (el.querySelector('span')?.textContent !== hostName) continue;
        const m = /translate\(([-\d.e]+)px, ([-\d.e]+)px\)/.exec(el.style.transform);
        if (!m) continue;
        const x = Number(m[1]);
        const y = Number(m[2]);
        const last = seen[seen.length - 1];
        if (!last || last.x !== x || last.y !== y) seen.push({ t, x, y });
      }
    }).observe(layer, { subtree: true, childList: true, attributes: true, attributeFilter: ['style'] });
    return { left: f.left - l.left, top: f.top - l.top, scale: f.width / frame.offsetWidth };
  }, HOST_NAME);
  const at = (i: number) => ({ x: 80 + 6 * i, y: 90 + (i % 15) * 25 });

  await host.mouse.move(at(0).x - 30, at(0).y);
  await sleep(200);
  const before = await host.evaluate(() => (window as unknown as { __bench: { mousemoves: unknown[] } }).__bench.mousemoves.length);
  const deadline = Date.now() + count * spacingMs * 3 + 5_000;
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    await host.mouse.move(at(i).x, at(i).y);
    await sleep(spacingMs);
  }
  await sleep(300);
  const moves = await host.evaluate((n) => (window as unknown as { __bench: { mousemoves: At[] } }).__bench.mousemoves.slice(n), before);
  const drawn = await guest.evaluate(() => (window as unknown as { __cursor: At[] }).__cursor);
  const expected = moves.map((m) => ({ t: m.t, x: geo.left + m.x * geo.scale, y: geo.top + m.y * geo.scale }));
  return pair(expected, drawn, 1);
}

/** Pairs each sent position with the first received one at that position (± `tolerance` px) and not earlier. */
function pair(sent: readonly At[], received: readonly At[], tolerance: number): PairedSamples {
  const samples: number[] = [];
  let lost = 0;
  let from = 0;
  for (const s of sent) {
    let match = -1;
    for (let j = from; j < received.length; j++) {
      const r = received[j]!;
      if (r.t >= s.t && Math.abs(r.x - s.x) <= tolerance && Math.abs(r.y - s.y) <= tolerance) {
        match = j;
        break;
      }
    }
    if (match < 0) {
      lost++;
      continue;
    }
    samples.push(received[match]!.t - s.t);
    from = match + 1;
  }
  return { samples, lost };
}
