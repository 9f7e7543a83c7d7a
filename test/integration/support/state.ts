// Reading what a test server stored: the files of its data dir, or its keys
// on Redis (see `TEST_DEPLOYMENT`).

import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { readPersistedState, stateFiles } from '../../../signaling/state/file-store.js';
import type { LinkRecord, SessionRecord, StoreSnapshot } from '../../../signaling/state/records.js';
import { STATE_VERSION } from '../../../signaling/state/records.js';
import { openRedisStore } from '../../../signaling/state/redis-store.js';
import { redisPrefixOf, TEST_DEPLOYMENT, testRedisUrl, type TestServer } from './server.js';

/** The server's state as stored now (`state.json` with the journal replayed over it, or what Redis holds). */
export async function readState(server: TestServer): Promise<StoreSnapshot> {
  if (server.config.redisUrl === null) return readPersistedState(server.config.dataDir).snapshot;
  const store = await openRedisStore({ redisUrl: server.config.redisUrl, prefix: server.config.redisPrefix, log: () => {} });
  try {
    const [sessions, links, guests, hostInvites] = await Promise.all([store.allSessions(), store.allLinks(), store.allGuests(), store.allHostInvites()]);
    return { version: STATE_VERSION, sessions, links, guests, hostInvites };
  } finally {
    await store.close();
  }
}

/** Every byte stored for the deployment of `dataDir` (its state files, or every value under its Redis prefix), as text: to check that no secret is stored. */
export async function storedStateText(dataDir: string): Promise<string> {
  if (TEST_DEPLOYMENT === 'file') {
    return Object.values(stateFiles(dataDir))
      .filter((file) => fs.existsSync(file))
      .map((file) => fs.readFileSync(file, 'utf8'))
      .join('\n');
  }
  const redis = new Redis(testRedisUrl());
  try {
    const parts: string[] = [];
    for (const key of await redis.keys(`${redisPrefixOf(dataDir)}:*`)) {
      const type = await redis.type(key);
      if (type === 'string') parts.push(key, (await redis.get(key)) ?? '');
      else if (type === 'set') parts.push(key, ...(await redis.smembers(key)));
      else if (type === 'zset') parts.push(key, ...(await redis.zrange(key, 0, -1, 'WITHSCORES')));
      else if (type === 'hash') parts.push(key, ...Object.entries(await redis.hgetall(key)).flat());
      else if (type === 'list') parts.push(key, ...(await redis.lrange(key, 0, -1)));
      else parts.push(key, `(${type})`);
    }
    return parts.join('\n');
  } finally {
    redis.disconnect();
  }
}

/** Files in `dataDir` other than the state files (temporary files left behind, say). */
export function strayStateFiles(dataDir: string): string[] {
  const names = Object.values(stateFiles(dataDir)).map((file) => path.basename(file));
  return fs.readdirSync(dataDir).filter((name) => !names.includes(name));
}

/** The stored links of a session. */
export async function storedLinks(server: TestServer, sessionId: string): Promise<LinkRecord[]> {
  return (await readState(server)).links.filter((l) => l.sessionId === sessionId);
}

/** The stored record of a session. */
export async function storedSession(server: TestServer, sessionId: string): Promise<SessionRecord | undefined> {
  return (await readState(server)).sessions.find((s) => s.id === sessionId);
}

/** The files of the development outbox (none when it does not exist yet). */
export function outboxFiles(server: TestServer): string[] {
  const dir = path.join(server.config.dataDir, 'outbox');
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}
