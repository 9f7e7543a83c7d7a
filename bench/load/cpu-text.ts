// How the peer client's readings read in the tool's log and the table.

import type { CpuSpent } from './peer-client.js';
import type { CommandStats } from './redis-info.js';

/** "12.0 (evalsha 4.0, …)": Redis commands per unit of work, the most run first. */
export function commandsText(commands: CommandStats, per: number): string {
  const list = Object.entries(commands).sort((a, b) => b[1].calls - a[1].calls);
  const total = list.reduce((n, [, c]) => n + c.calls, 0);
  return `${(total / per).toFixed(1)} (${list.slice(0, 10).map(([name, c]) => `${name} ${(c.calls / per).toFixed(1)}`).join(', ')})`;
}

/** "waited for a core: servers 1200 + 900 ms, Redis 80 ms, client 300 ms of 10.0 s". */
export function waitedText(cpu: CpuSpent, elapsedMs: number, withRedis: boolean): string {
  const { waited } = cpu;
  const redis = withRedis ? `, Redis ${waited.redis} ms` : '';
  return `waited for a core: server${waited.servers.length > 1 ? 's' : ''} ${waited.servers.join(' + ')} ms${redis}, client ${waited.client} ms of ${(elapsedMs / 1000).toFixed(1)} s`;
}

/** "bus per join: published 1.0 (0.5 + 0.5), delivered 1.5 (…)": what the servers' buses carried per unit of work. */
export function busText(cpu: CpuSpent, per: number): string {
  const sum = (list: number[]) => list.reduce((a, b) => a + b, 0);
  const each = (list: number[]) => (list.length > 1 ? ` (${list.map((n) => (n / per).toFixed(2)).join(' + ')})` : '');
  return `published ${(sum(cpu.bus.out) / per).toFixed(2)}${each(cpu.bus.out)}, delivered ${(sum(cpu.bus.in) / per).toFixed(2)}${each(cpu.bus.in)}`;
}

/** "waited for a core: server 28%, Redis 35%, client 32% of the time" (servers: on average). */
export function waitedShareText(cpu: CpuSpent, elapsedMs: number, withRedis: boolean): string {
  const { waited } = cpu;
  const pct = (ms: number) => `${Math.round((ms / elapsedMs) * 100)}%`;
  const servers = waited.servers.reduce((a, b) => a + b, 0) / Math.max(1, waited.servers.length);
  return `waited for a core: server${waited.servers.length > 1 ? 's' : ''} ${pct(servers)}${withRedis ? `, Redis ${pct(waited.redis)}` : ''}, client ${pct(waited.client)} of the time`;
}
