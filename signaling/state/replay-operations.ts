// What the store's replay operations decide, as pure functions of what they
// read (see replay-store.ts): every store runs these, so a replay moves by the
// one transition table (replay-state.ts) whichever store and server run it.

import type { ReplayState } from '../../src/protocol/index.js';
import type { MailRequest, ReplayRecord } from '../replay/replay-record.js';
import { canTransition } from '../replay/replay-state.js';
import type { ReplayChange, ReplayUploads } from './replay-store.js';

/** A change that moves a replay from one state to another. */
export type ReplayMove = Extract<ReplayChange, { kind: 'finish' | 'render' | 'complete' | 'fail' }>['kind'];

/** The transition (of the table in replay-state.ts) each moving change makes. */
export const REPLAY_MOVES: Readonly<Record<ReplayMove, { from: ReplayState; to: ReplayState }>> = {
  finish: { from: 'recording', to: 'queued' },
  render: { from: 'queued', to: 'rendering' },
  complete: { from: 'rendering', to: 'complete' },
  fail: { from: 'rendering', to: 'error' },
};

/** The replay as `change` leaves it (the same object when nothing changes), or null when the change does not apply to it. */
export function changeReplay(record: ReplayRecord | undefined, change: ReplayChange): ReplayRecord | null {
  if (!record) return null;
  const move = change.kind in REPLAY_MOVES ? REPLAY_MOVES[change.kind as ReplayMove] : null;
  if (move && (record.state !== move.from || !canTransition(move.from, move.to))) return null;
  switch (change.kind) {
    case 'finish':
      return { ...record, state: 'queued', finishedAt: change.at, endedAt: change.endedAt ?? record.endedAt };
    case 'render':
      return { ...record, state: 'rendering' };
    case 'complete':
      return { ...record, state: 'complete', videoToken: change.videoToken, videoExpiresAt: change.videoExpiresAt };
    case 'fail': {
      // A mail waiting for the video will never have one: it failed, and says why.
      const mail = record.mail?.state === 'pending' ? { ...record.mail, state: 'failed' as const, error: change.reason } : record.mail;
      return { ...record, state: 'error', error: change.reason, mail };
    }
    case 'audio-segment':
      if (record.state !== 'recording') return null;
      if (record.audioSegments.some((s) => s.segment === change.segment.segment)) return record;
      return { ...record, audioSegments: [...record.audioSegments, { ...change.segment }] };
    case 'mail':
      return record.state === 'error' ? null : { ...record, mail: { ...change.mail, to: [...change.mail.to] } };
    case 'mail-outcome':
      if (!record.mail || !sameMail(record.mail, change.sent)) return null; // A newer request replaced it meanwhile.
      return { ...record, mail: { ...record.mail, state: change.state, error: change.error } };
  }
}

/** The uploads once one of `bytes` at `now` is counted, or null when it would take the recording past `limit`. */
export function countReplayUpload(uploads: ReplayUploads | undefined, bytes: number, limit: number, now: number): ReplayUploads | null {
  const total = (uploads?.bytes ?? 0) + bytes;
  return total > limit ? null : { bytes: total, lastAt: now };
}

function sameMail(a: MailRequest, b: MailRequest): boolean {
  return a.subject === b.subject && a.message === b.message && a.state === b.state && a.error === b.error
    && a.to.length === b.to.length && a.to.every((to, i) => to === b.to[i]);
}
