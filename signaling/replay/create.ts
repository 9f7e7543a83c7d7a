// Builds the replay service from the server's configuration (the wiring
// `server.ts` needs, in one call).

import type { ServerConfig } from '../config.js';
import type { Store } from '../state/store.js';
import { RENDER_PAGE_PATH } from './capture.js';
import type { Mailer } from './mailer.js';
import { RedisRenderQueue } from './redis-render-queue.js';
import { LocalRenderQueue } from './render-queue.js';
import { ReplayService } from './replay-service.js';

/** What the replay service gets from the rest of the server. */
export interface ReplayWiring {
  /** The server's store: replays' records are kept in its `replays`. */
  store: Store;
  /** Base of video URLs. */
  publicUrl: string;
  /** The server's bound address: the render worker's browser loads the render page from it. */
  boundUrl: string;
  /** Ends a session (store and sockets). */
  endSession: (sessionId: string) => void;
  /** Mail transport of the video links. */
  mailer: Mailer;
  /** Hears how long each render took. */
  observeRender?: (seconds: number, outcome: 'done' | 'failed') => void;
  /** With TLS, the key the server's certificate has now (see `ReplayServiceOptions.renderPageKey`); null: plain HTTP. */
  renderPageKey: () => string | null;
}

/** A replay service for `config`; call `start()` once the server is up. */
export function createReplayService(config: ServerConfig, wiring: ReplayWiring): ReplayService {
  return new ReplayService({
    dataDir: config.dataDir,
    store: wiring.store.replays,
    publicUrl: wiring.publicUrl,
    renderPageUrl: `${wiring.boundUrl}${RENDER_PAGE_PATH}`,
    renderPageKey: wiring.renderPageKey,
    chromiumPath: config.chromiumPath,
    renderQueue: (events) => (config.redisUrl
      ? new RedisRenderQueue({ redisUrl: config.redisUrl, prefix: config.redisPrefix, events, log: config.log, observe: wiring.observeRender })
      : new LocalRenderQueue({ ...events, workerPath: config.replayWorkerPath, log: config.log, observe: wiring.observeRender })),
    // With an allow-list, the renderer fetches only from listed origins and the server's own; without one, from the recorded ones.
    permittedOrigins: config.allowedOrigins.length > 0
      ? [...config.allowedOrigins, new URL(wiring.publicUrl).origin, new URL(wiring.boundUrl).origin]
      : null,
    maxSeconds: config.replayMaxSeconds,
    videoTtlMs: config.videoTtlSeconds * 1000,
    idleMs: config.replayIdleMs,
    lateUploadMs: config.replayLateUploadMs,
    mailer: wiring.mailer,
    endSession: wiring.endSession,
    log: config.log,
  });
}
