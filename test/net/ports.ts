// Free ports on an address of the test process, for servers that need both TCP
// and UDP on the same number (coturn).

import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';

const FREE_PORT_TRIES = 20;

/** A port free for TCP (and UDP too, with `udp: true`) on `ip`, found by binding and closing. */
export async function freePort(ip: string, options: { udp?: boolean } = {}): Promise<number> {
  for (let i = 0; i < FREE_PORT_TRIES; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const probe = createServer();
      probe.once('error', reject);
      probe.listen(0, ip, () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    if (!options.udp || (await udpFree(ip, port))) return port;
  }
  throw new Error(`no free port on ${ip} after ${FREE_PORT_TRIES} tries`);
}

function udpFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, ip, () => socket.close(() => resolve(true)));
  });
}
