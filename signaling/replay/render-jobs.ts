// The contract between servers and render workers when renders wait in Redis:
// the queue's name, what a job carries, and the channel that stops one. A job
// names its replay and the recording's figures only; where the recording is,
// which browser renders it and where the render page is are the worker's own.
// Jobs cross a trust boundary (another process, maybe another version): a
// worker checks each before it runs it.

import { isId, isInteger, isRecord, isString } from '../../src/protocol/index.js';
import type { RenderJob } from './render-job.js';

/** The BullMQ queue renders wait in (under the deployment's key prefix). */
export const RENDER_QUEUE_NAME = 'renders';
/** Pub/sub channel (under the prefix) on which a server asks the workers to stop a render: the message is the replay id. */
export const RENDER_CANCEL_CHANNEL = 'renders:cancel';
/** Version of `RenderJobData`: a worker refuses other versions. */
export const RENDER_JOB_VERSION = 1;

/** What a render job carries. */
export interface RenderJobData {
  v: typeof RENDER_JOB_VERSION;
  /** The replay's id: its recording is in the worker's `CWMN_DATA_DIR/replays/<id>/`. */
  id: string;
  limitMs: number;
  maxDurationMs: number;
  endedAt: number | null;
  audioSegments: Array<{ segment: number; startedAt: number }>;
  permittedOrigins: string[] | null;
}

/** The data of a job rendering `job` for replay `id`. */
export function toJobData(id: string, job: RenderJob, limitMs: number): RenderJobData {
  return {
    v: RENDER_JOB_VERSION, id, limitMs, maxDurationMs: job.maxDurationMs, endedAt: job.endedAt,
    audioSegments: job.audioSegments, permittedOrigins: job.permittedOrigins,
  };
}

const DAY_MS = 86_400_000;

/** Checks a job's data; null when it is not one this worker can run. */
export function parseJobData(value: unknown): RenderJobData | null {
  if (!isRecord(value) || value.v !== RENDER_JOB_VERSION || !isId(value.id)) return null;
  const { limitMs, maxDurationMs, endedAt, audioSegments, permittedOrigins } = value;
  if (!isInteger(limitMs, 1, DAY_MS) || !isInteger(maxDurationMs, 1, DAY_MS)) return null;
  if (endedAt !== null && !isInteger(endedAt, 0, Number.MAX_SAFE_INTEGER)) return null;
  if (!Array.isArray(audioSegments) || audioSegments.length > 10_000) return null;
  const segments = audioSegments.every((s) => isRecord(s) && isInteger(s.segment, 0, 1_000_000) && isInteger(s.startedAt, 0, Number.MAX_SAFE_INTEGER));
  if (!segments) return null;
  if (permittedOrigins !== null && !(Array.isArray(permittedOrigins) && permittedOrigins.length <= 1000 && permittedOrigins.every((o) => isString(o, 2048)))) {
    return null;
  }
  return {
    v: RENDER_JOB_VERSION, id: value.id, limitMs, maxDurationMs, endedAt,
    audioSegments: (audioSegments as Array<{ segment: number; startedAt: number }>).map(({ segment, startedAt }) => ({ segment, startedAt })),
    permittedOrigins: permittedOrigins === null ? null : [...(permittedOrigins as string[])],
  };
}
