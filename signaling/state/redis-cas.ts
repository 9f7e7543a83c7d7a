// Optimistic transactions on Redis, knowing nothing of what is stored: an
// attempt reads keys and sets (remembering the bytes and members it found),
// the caller decides in TypeScript, then one generic Lua script applies the
// writes only if every key read still holds what was read, all at once.
// The script compares and applies; it makes no decision of its own.

import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

/** One write of a transaction (one Redis command on one key). `pset` sets a value that Redis drops after `ttlMs`. */
export type Write =
  | { op: 'set'; key: string; value: string }
  | { op: 'pset'; key: string; value: string; ttlMs: number }
  | { op: 'del'; key: string }
  | { op: 'sadd' | 'srem'; key: string; member: string };

// KEYS: the keys read, then one key per write. ARGV[1]: how many keys were
// read; then per key read, 'v' and the bytes read ('' for absent), or 's',
// the set's size and its members; then per write, its command and argument
// (for 'pset', the value and then the milliseconds it is kept).
const COMPARE_AND_SET_LUA = `
local reads = tonumber(ARGV[1])
local a = 2
for i = 1, reads do
  local key = KEYS[i]
  if ARGV[a] == 'v' then
    if (redis.call('GET', key) or '') ~= ARGV[a + 1] then return 0 end
    a = a + 2
  else
    local n = tonumber(ARGV[a + 1])
    if redis.call('SCARD', key) ~= n then return 0 end
    for j = a + 2, a + 1 + n do
      if redis.call('SISMEMBER', key, ARGV[j]) == 0 then return 0 end
    end
    a = a + 2 + n
  end
end
for k = reads + 1, #KEYS do
  local command = ARGV[a]
  if command == 'del' then redis.call('DEL', KEYS[k])
  elseif command == 'set' or command == 'sadd' or command == 'srem' then redis.call(command, KEYS[k], ARGV[a + 1])
  elseif command == 'pset' then
    redis.call('SET', KEYS[k], ARGV[a + 1], 'PX', ARGV[a + 2])
    a = a + 1
  else return redis.error_reply('unknown write ' .. tostring(command)) end
  a = a + 2
end
return 1
`;

/** A Lua script run by its SHA-1, sent whole when the server does not know it yet (first use, or after a restart). */
export class LuaScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: readonly string[], args: readonly (string | Buffer)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (err) {
      // NOSCRIPT is the reply Redis documents for an unknown SHA-1.
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}

const COMPARE_AND_SET = new LuaScript(COMPARE_AND_SET_LUA);

/**
 * What one attempt of a transaction read, through it: checked unchanged by
 * `commit`. Reads made by one command are consistent by themselves.
 */
export class Reads {
  private readonly values = new Map<string, Buffer | null>();
  private readonly sets = new Map<string, Buffer[]>();
  private commands = 0;
  private assumed = false;

  constructor(private readonly redis: Redis) {}

  /** The values of `keys` (null: absent), in one command. */
  async get(keys: readonly string[]): Promise<(Buffer | null)[]> {
    if (keys.length === 0) return [];
    this.commands++;
    const found = await this.redis.mgetBuffer(...keys);
    keys.forEach((key, i) => this.values.set(key, found[i] ?? null));
    return found;
  }

  /** The members of the set at `key`. */
  async members(key: string): Promise<string[]> {
    this.commands++;
    const found = await this.redis.smembersBuffer(key);
    this.sets.set(key, found);
    return found.map((m) => m.toString('utf8'));
  }

  /** Takes it that `key` holds `value` (null: absent) without reading it: `commit` writes only if it does. */
  assume(key: string, value: string | null): void {
    this.values.set(key, value === null ? null : Buffer.from(value, 'utf8'));
    this.assumed = true;
  }

  /**
   * Applies `writes` if every key read still holds what was read, at once;
   * false (nothing written) when one changed. With no writes it only checks,
   * unless one command made all the reads.
   */
  async commit(writes: readonly Write[]): Promise<boolean> {
    if (writes.length === 0 && this.commands <= 1 && !this.assumed) return true;
    const keys: string[] = [];
    const args: (string | Buffer)[] = [String(this.values.size + this.sets.size)];
    for (const [key, value] of this.values) {
      keys.push(key);
      args.push('v', value ?? '');
    }
    for (const [key, members] of this.sets) {
      keys.push(key);
      args.push('s', String(members.length), ...members);
    }
    for (const w of writes) {
      keys.push(w.key);
      args.push(...writeArgs(w));
    }
    return (await COMPARE_AND_SET.run(this.redis, keys, args)) === 1;
  }
}

/** A write's command and arguments, as the compare-and-set script reads them. */
function writeArgs(w: Write): string[] {
  switch (w.op) {
    case 'set': return [w.op, w.value];
    case 'pset': return [w.op, w.value, String(Math.max(1, Math.ceil(w.ttlMs)))];
    case 'del': return [w.op, ''];
    default: return [w.op, w.member];
  }
}
