// What Redis says it ran (`INFO commandstats`), read over a plain socket of
// its own: which commands, how many, and how long Redis spent in them.

import { connect } from 'node:net';

export type CommandStats = Record<string, { calls: number; usec: number }>;

/** `INFO commandstats`, parsed: `cmdstat_<name>:calls=<n>,usec=<n>,…` a line. */
export function commandStats(port: number): Promise<CommandStats> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write('INFO commandstats\r\n'));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis-server did not answer INFO in time'));
    }, 5_000);
    socket.on('data', (d) => {
      text += d.toString();
      const header = /^\$(\d+)\r\n/.exec(text);
      if (!header || Buffer.byteLength(text) < header[0].length + Number(header[1])) return;
      clearTimeout(timer);
      socket.destroy();
      const stats: CommandStats = {};
      for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) stats[m[1]!] = { calls: Number(m[2]), usec: Number(m[3]) };
      resolve(stats);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** What Redis ran between two readings of `commandStats`. */
export function commandsBetween(before: CommandStats, after: CommandStats): CommandStats {
  const spent: CommandStats = {};
  for (const [name, { calls, usec }] of Object.entries(after)) {
    const d = { calls: calls - (before[name]?.calls ?? 0), usec: usec - (before[name]?.usec ?? 0) };
    if (d.calls > 0) spent[name] = d;
  }
  return spent;
}
