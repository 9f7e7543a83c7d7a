// What an operator's tooling asks: `/metrics` (Prometheus text; behind a bearer
// token when `CWMN_METRICS_TOKEN` is set) and `/readyz` (every part the server
// needs answers, and it is not draining). `/healthz` (liveness) is with the API.

import { ErrorCode } from '../../src/protocol/index.js';
import type { Metrics } from '../ops/metrics.js';
import { hashToken, tokenMatches } from '../tokens.js';
import { sendError, sendJson, sendText } from './respond.js';
import type { Router } from './router.js';

/** A part the server cannot serve without (the store, the bus): `check` rejects when it does not answer. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

export interface OpsDeps {
  metrics: Metrics;
  /** `CWMN_METRICS_TOKEN`; null: `/metrics` answers everyone. */
  metricsToken: string | null;
  checks: readonly ReadinessCheck[];
  /** True once the server stopped taking new sockets (SIGTERM): not ready, whatever the checks say. */
  draining(): boolean;
}

/** A check that does not answer within this is failed. */
export const READINESS_TIMEOUT_MS = 1_000;

export function addOpsRoutes(router: Router, deps: OpsDeps): void {
  const tokenHash = deps.metricsToken === null ? null : hashToken(deps.metricsToken);
  router.on('GET', '/metrics', async ({ req, res }) => {
    if (tokenHash !== null && !tokenMatches(bearer(req.headers.authorization), tokenHash)) {
      sendError(res, { code: ErrorCode.FORBIDDEN, message: 'Metrics need the operator\'s token' }, 401, { 'WWW-Authenticate': 'Bearer' });
      return;
    }
    const { contentType, text } = await deps.metrics.exposition();
    sendText(res, 200, text, { 'Content-Type': contentType, 'Cache-Control': 'no-store' });
  });
  router.on('GET', '/readyz', async ({ res }) => {
    const failing = (await Promise.all(deps.checks.map(async (c) => ((await answers(c)) ? null : c.name))))
      .filter((name): name is string => name !== null);
    const draining = deps.draining();
    const ready = failing.length === 0 && !draining;
    sendJson(res, ready ? 200 : 503, { ready, draining, failing }, { 'Cache-Control': 'no-store' });
  });
}

async function answers(check: ReadinessCheck): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('no answer')), READINESS_TIMEOUT_MS); });
  try {
    await Promise.race([check.check(), late]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

function bearer(header: string | undefined): string {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? '';
}
