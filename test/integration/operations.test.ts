// What an operator's tooling reads: `/metrics` in Prometheus' text format
// (counts and durations, never an id or a name; behind a token when one is
// configured) and `/readyz`.

import { afterEach, describe, expect, it } from 'vitest';
import { hostWithGuest } from './support/continuity.js';
import { request } from './support/http.js';
import { startTestServer, stopServers, type TestServer } from './support/server.js';

afterEach(stopServers);

async function metricsText(server: TestServer, headers: Record<string, string> = {}, port = server.port): Promise<{ status: number; type: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

/** The value of one sample (`name{labels} value`) in an exposition; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('GET /metrics', () => {
  it('counts sessions, hosts, guests and sockets of this server, and names none of them', async () => {
    const server = await startTestServer();
    const empty = await metricsText(server);
    expect(empty.status).toBe(200);
    expect(empty.type).toContain('text/plain');
    expect(sample(empty.text, 'cwmn_sessions')).toBe(0);
    expect(sample(empty.text, 'cwmn_sockets{kind="signaling"}')).toBe(0);

    const { host, credentials } = await hostWithGuest(server, 'Quentin Canary');
    const { text } = await metricsText(server);
    expect(sample(text, 'cwmn_sessions')).toBe(1);
    expect(sample(text, 'cwmn_hosts_connected')).toBe(1);
    // With two servers, the guest's socket is on the other one, and each counts its own.
    const guestSide = server.second ? (await metricsText(server, {}, server.second.port)).text : text;
    expect(sample(guestSide, 'cwmn_guests_connected')).toBe(1);
    expect(sample(guestSide, 'cwmn_sessions'), 'sessions are the deployment\'s').toBe(1);
    expect(sample(guestSide, 'cwmn_guest_join_seconds_count')).toBe(1);
    expect(sample(guestSide, 'cwmn_store_operation_seconds_count{operation="admitGuest"}')).toBe(1);
    expect(sample(text, 'cwmn_store_operation_seconds_count{operation="createSession"}')).toBe(1);
    expect(sample(text, 'cwmn_sockets{kind="signaling"}')).toBe(server.second ? 1 : 2);
    expect(sample(text, 'cwmn_render_queue{state="waiting"}')).toBe(0);
    expect(sample(text, 'cwmn_relay_bytes_total{direction="in"}')).toBe(0);
    expect(text).toContain('# TYPE cwmn_guest_join_seconds histogram');
    expect(text).toContain('process_cpu_seconds_total');
    for (const secret of [host.sessionId, host.hostToken, credentials.guestId, credentials.resumeToken, 'Quentin', 'Ada']) {
      expect(text).not.toContain(secret);
    }
  });

  it('wants the operator\'s bearer token when CWMN_METRICS_TOKEN is set', async () => {
    const token = 'metrics-token-0123456789';
    const server = await startTestServer({ metricsToken: token });
    const refused = await metricsText(server);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).error.code).toBe('ERR_FORBIDDEN');
    expect((await metricsText(server, { Authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const allowed = await metricsText(server, { Authorization: `Bearer ${token}` });
    expect(allowed.status).toBe(200);
    expect(sample(allowed.text, 'cwmn_sessions')).toBe(0);
  });
});

describe('GET /readyz', () => {
  it('is ready while the server serves, with no part failing', async () => {
    const server = await startTestServer();
    const res = await request(server, '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ready: true, draining: false, failing: [] });
  });
});
