// Session creations through the HTTP API (`POST /api/sessions`), as fast as
// the server answers them: `concurrency` requests in flight, over keep-alive
// connections, each source address used for at most `SESSIONS_PER_ADDRESS`
// creations (the server allows 120 a minute per address), the addresses taken
// in turn: requests in flight come from different addresses, as from many
// clients (a server on Redis counts each address's creations in Redis, one
// after the other for one address).

import { Agent, request } from 'node:http';
import { ADDRESS_BLOCK, loopbackAddress } from './addresses.js';

/** A created session's host credentials. */
export interface CreatedSession {
  sessionId: string;
  hostToken: string;
}

export interface CreationResult {
  sessions: CreatedSession[];
  elapsedMs: number;
  failed: number;
  firstError: string | null;
  /** Time of each creation (ms, request sent → 201 read). */
  latenciesMs: number[];
}

/** Sessions per source address: under the server's 120 per minute. */
export const SESSIONS_PER_ADDRESS = 100;

export async function createSessions(
  url: string, count: number, options: { concurrency: number; deadlineMs: number },
): Promise<CreationResult> {
  const origin = new URL(url).origin;
  const agents = new Map<number, Agent>();
  const agentFor = (i: number) => {
    const slot = i % Math.max(1, Math.ceil(count / SESSIONS_PER_ADDRESS));
    let agent = agents.get(slot);
    if (!agent) {
      agent = new Agent({ keepAlive: true, maxSockets: options.concurrency, localAddress: loopbackAddress(ADDRESS_BLOCK.sessions, slot) } as ConstructorParameters<typeof Agent>[0]);
      agents.set(slot, agent);
    }
    return agent;
  };
  const body = JSON.stringify({ hostName: 'Load host', hostEmail: 'load@example.com', isReplay: false });
  const sessions: CreatedSession[] = [];
  const latenciesMs: number[] = [];
  let failed = 0;
  let firstError: string | null = null;
  let next = 0;
  const started = performance.now();
  const deadline = Date.now() + options.deadlineMs;
  const one = (i: number) => new Promise<void>((resolve) => {
    const t0 = performance.now();
    const req = request(`${url}/api/sessions`, {
      method: 'POST', agent: agentFor(i),
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), Origin: origin },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode === 201) {
          const parsed = JSON.parse(text) as { session: { sessionId: string }; hostToken: string };
          sessions.push({ sessionId: parsed.session.sessionId, hostToken: parsed.hostToken });
          latenciesMs.push(performance.now() - t0);
        } else {
          failed += 1;
          firstError ??= `${res.statusCode}: ${text.slice(0, 200)}`;
        }
        resolve();
      });
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', (err) => {
      failed += 1;
      firstError ??= err.message;
      resolve();
    });
    req.end(body);
  });
  await Promise.all(Array.from({ length: options.concurrency }, async () => {
    while (next < count && Date.now() < deadline) await one(next++);
  }));
  const elapsedMs = performance.now() - started;
  for (const agent of agents.values()) agent.destroy();
  return { sessions, elapsedMs, failed, firstError, latenciesMs };
}
