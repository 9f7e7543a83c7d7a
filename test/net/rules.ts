// iptables rule sets of the test hosts, as `iptables-restore` input: one atomic
// load per namespace. Pure functions, so what a host gets can be read in one place.

/** A TCP destination a firewalled host may reach. */
export interface TcpEndpoint {
  ip: string;
  port: number;
}

/**
 * A corporate-style firewall: everything is dropped except loopback, replies to
 * what the host opened, and new TCP connections to `allowTcp`. No UDP at all, so
 * neither STUN nor a direct WebRTC path works; only TURN over an allowed TCP port.
 */
export function firewallRules(allowTcp: readonly TcpEndpoint[]): string {
  return [
    '*filter',
    ':INPUT DROP [0:0]',
    ':FORWARD DROP [0:0]',
    ':OUTPUT DROP [0:0]',
    '-A INPUT -i lo -j ACCEPT',
    '-A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    '-A OUTPUT -o lo -j ACCEPT',
    '-A OUTPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT',
    ...allowTcp.map(({ ip, port }) => `-A OUTPUT -p tcp -d ${ip} --dport ${port} -m conntrack --ctstate NEW -j ACCEPT`),
    'COMMIT',
    '',
  ].join('\n');
}

/**
 * A network that carries no UDP at all, whatever was open before (a guest who
 * moved onto a stricter network): TCP still flows, so the server and its relay
 * stay reachable. The drops come first, so established flows are cut too.
 */
export function noUdpRules(): string {
  return [
    '*filter',
    ':INPUT ACCEPT [0:0]',
    ':FORWARD ACCEPT [0:0]',
    ':OUTPUT ACCEPT [0:0]',
    '-A INPUT -p udp -j DROP',
    '-A OUTPUT -p udp -j DROP',
    'COMMIT',
    '',
  ].join('\n');
}

/** No filtering at all. */
export function openRules(): string {
  return ['*filter', ':INPUT ACCEPT [0:0]', ':FORWARD ACCEPT [0:0]', ':OUTPUT ACCEPT [0:0]', 'COMMIT', ''].join('\n');
}

/** How a home router translates. */
export type NatKind =
  /** Plain masquerade: inbound packets pass only as replies to the exact flow the inside opened. */
  | 'masquerade'
  /** Masquerade, and any inbound UDP to the public address goes to the inside host (endpoint-independent filtering). */
  | 'forwarding';

/** The NAT of a home router whose public interface is `publicIf` and whose inside host is `insideIp`. */
export function natRules(kind: NatKind, publicIf: string, insideIp: string): string {
  return [
    '*nat',
    ...(kind === 'forwarding' ? [`-A PREROUTING -i ${publicIf} -p udp -j DNAT --to-destination ${insideIp}`] : []),
    `-A POSTROUTING -o ${publicIf} -j MASQUERADE`,
    'COMMIT',
    '',
  ].join('\n');
}
