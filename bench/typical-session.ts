// "Typical activity" of a live session, at real-time rates for a few seconds
// (figures per minute are scaled from it): the page changes now and then, the
// host's mouse and every guest's pointer move. Input goes through Playwright
// (real input events); the page's changes run on a timer inside the host page.

import type { Page } from 'playwright-core';
import { sleep } from './session.js';

export interface TypicalRates {
  /** DOM changes per second on the host page, each a row's text and class changed in one task. */
  domChangesPerSecond: number;
  /** Host mouse moves per second. */
  hostMovesPerSecond: number;
  /** Pointer moves per second of each guest over its mirror. */
  guestMovesPerSecond: number;
}

/** What we call a typical minute, spread evenly: a page that changes twice a second, a mouse and pointers that keep moving. */
export const TYPICAL_RATES: TypicalRates = { domChangesPerSecond: 2, hostMovesPerSecond: 10, guestMovesPerSecond: 10 };
/** Seconds of typical activity behind each per-minute figure (scaled to 60). */
export const TYPICAL_SECONDS = 12;

export interface TypicalActivity {
  /** Wall time the activity took, ms. */
  ms: number;
  domChanges: number;
  hostMoves: number;
  guestMoves: number;
}

/** In words, for the report. */
export function describeRates(r: TypicalRates): string {
  return `${r.domChangesPerSecond} DOM changes/s (a row's text and class), host mouse ${r.hostMovesPerSecond} moves/s, each guest's pointer ${r.guestMovesPerSecond} moves/s`;
}

/** Where a guest's moves go: points over its mirror (viewer client px). */
async function mirrorBox(guest: Page): Promise<{ left: number; top: number; width: number; height: number }> {
  return guest.evaluate(() => {
    const r = document.querySelector<HTMLIFrameElement>('#cwmn-stage iframe')!.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height };
  });
}

/**
 * Runs typical activity on a live session for `seconds`: the host page changes
 * on its own timer, the host's mouse and each guest's pointer are moved by
 * this loop, one tick per host move. A tick that falls behind is skipped, not
 * made up, so a busy machine does less rather than bursts.
 */
export async function runTypicalActivity(host: Page, guests: readonly Page[], seconds: number, rates: TypicalRates = TYPICAL_RATES): Promise<TypicalActivity> {
  const boxes = await Promise.all(guests.map(mirrorBox));
  await host.evaluate((perSecond) => {
    const rows = document.getElementById('rows')!.children;
    let n = 0;
    const w = window as unknown as { __typical: { timer: number; changes: number } };
    w.__typical = {
      changes: 0,
      timer: window.setInterval(() => {
        const row = rows[(n * 37) % rows.length] as HTMLElement;
        row.firstElementChild!.textContent = `changed ${n}`;
        row.classList.toggle('typical');
        w.__typical.changes = ++n;
      }, 1000 / perSecond),
    };
  }, rates.domChangesPerSecond);
  const tickMs = 1000 / rates.hostMovesPerSecond;
  const guestEvery = Math.max(1, Math.round(rates.hostMovesPerSecond / rates.guestMovesPerSecond));
  const started = Date.now();
  const end = started + seconds * 1000;
  let hostMoves = 0;
  let guestMoves = 0;
  for (let tick = 0; Date.now() < end; tick++) {
    const due = started + tick * tickMs;
    if (Date.now() > due + tickMs) continue; // Behind: skip this tick.
    await sleep(Math.max(0, due - Date.now()));
    // A slow walk across the page, so that every move is to a new position.
    const x = 100 + (tick * 7) % 700;
    const y = 100 + (tick * 13) % 450;
    const moves: Promise<void>[] = [host.mouse.move(x, y)];
    hostMoves++;
    if (tick % guestEvery === 0) {
      for (const [i, g] of guests.entries()) {
        const b = boxes[i]!;
        moves.push(g.mouse.move(b.left + ((x + 40 * i) % b.width), b.top + ((y + 25 * i) % b.height)));
        guestMoves++;
      }
    }
    await Promise.all(moves);
  }
  const domChanges = await host.evaluate(() => {
    const t = (window as unknown as { __typical: { timer: number; changes: number } }).__typical;
    clearInterval(t.timer);
    return t.changes;
  });
  return { ms: Date.now() - started, domChanges, hostMoves, guestMoves };
}
