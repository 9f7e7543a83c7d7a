// Session creations per second on Redis: one server on a Redis of the tool's
// own, sessions created through `POST /api/sessions` exactly as the file-store
// figure's (idle-hosts.ts): as many, as many in flight, from the same
// addresses. Beside the rate, the server's and Redis' CPU per creation and
// the Redis commands each took.

import { processCpuMs } from '../proc-cpu.js';
import { commandsText } from './cpu-text.js';
import { createSessions } from './create-sessions.js';
import { startDeployment } from './deployment.js';
import { CREATE_CONCURRENCY, creationFigure } from './idle-hosts.js';
import { commandsBetween, commandStats } from './redis-info.js';
import type { LoadContext, LoadFigure } from './scenario.js';

const PHASE_DEADLINE_MS = 300_000;
/** Quiet time after the start, so that the creations are all that is timed. */
const SETTLE_MS = 2_000;

export async function measureRedisSessions(ctx: LoadContext): Promise<LoadFigure[]> {
  const deployment = await startDeployment(ctx, 'redis-1');
  try {
    const server = deployment.servers[0]!;
    const redis = deployment.redis!;
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    const count = ctx.options.sockets;
    ctx.log(`creating ${count} sessions through POST /api/sessions on one server on Redis…`);
    const before = { server: processCpuMs(server.pid), redis: processCpuMs(redis.pid), commands: await commandStats(redis.port) };
    const created = await createSessions(server.url, count, { concurrency: CREATE_CONCURRENCY, deadlineMs: PHASE_DEADLINE_MS });
    deployment.check();
    const cpu = { server: processCpuMs(server.pid) - before.server, redis: processCpuMs(redis.pid) - before.redis };
    const commands = commandsBetween(before.commands, await commandStats(redis.port));
    const n = Math.max(1, created.sessions.length);
    ctx.log(`${created.sessions.length} sessions in ${(created.elapsedMs / 1000).toFixed(1)} s (${(created.sessions.length / (created.elapsedMs / 1000)).toFixed(0)}/s), ${created.failed} failed; `
      + `CPU per creation: server ${(cpu.server / n).toFixed(2)} ms, Redis ${(cpu.redis / n).toFixed(2)} ms; Redis commands per creation: ${commandsText(commands, n)}`);
    return [creationFigure('session-create-redis', 'one server on Redis', created, { serverMs: cpu.server, redisMs: cpu.redis, redisCommands: commands })];
  } finally {
    await deployment.stop();
  }
}
