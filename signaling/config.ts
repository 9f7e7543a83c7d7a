// The server's one options object: every setting, its default and where it
// comes from (environment variables), in one place.

import path from 'node:path';
import { CwmnError, ErrorCode, isEmail, REPLAY_IDLE_MS, type RelayMode } from '../src/protocol/index.js';
import { hostNameOf } from './http/host-name.js';
import type { TlsFiles } from './http/tls.js';
import { normalizeOrigin } from './origins.js';

import { jsonLog, type LogFn } from './ops/log.js';

/** Writes one log line; tests pass a function that keeps or drops lines. */
export type { LogFields, LogFn } from './ops/log.js';

/** Everything `startServer` needs. Build it with `loadConfig` (or spread over its result). */
export interface ServerConfig {
  /** TCP port; 0 picks a free one (the bound port is in `RunningServer.port`). */
  port: number;
  /** Interface to bind. */
  host: string;
  /** Base of invite links (no trailing slash); null = `http://HOST:PORT` (`https://` with `tls`) with the bound port. */
  publicUrl: string | null;
  /**
   * Certificate and key files (`CWMN_TLS_CERT`, `CWMN_TLS_KEY`): the server speaks HTTPS and WSS itself and
   * reads them again on `RunningServer.reloadTls()` (SIGHUP). null: plain HTTP (behind a TLS proxy, or local).
   */
  tls: TlsFiles | null;
  /** Origins allowed to host (normalized); empty = any origin. The server's own origin is always allowed. */
  allowedOrigins: string[];
  /**
   * Per-domain settings file (`CWMN_DOMAINS_FILE`): features, mask and block selectors, limits; the
   * origins it lists may host too. Re-read when it changes. null: every allowed origin gets the defaults.
   */
  domainsFile: string | null;
  /** Where the state (`state.json` and its journal), the outbox and replays live. */
  dataDir: string;
  /** Repository root: holds `dist/` and `demo/`. */
  rootDir: string;
  /**
   * `CWMN_ICE_SERVERS`: given to hosts and guests for their peer connections exactly as written.
   * null (unset): they get the built-in STUN server and, when `turn` is set, TURN with minted credentials.
   */
  iceServers: RTCIceServer[] | null;
  /**
   * UDP port of the built-in STUN server (`CWMN_STUN_PORT`, default: the number of `port`), bound on `host`;
   * 0 picks a free one (the bound port is in `RunningServer.stunPort`); null: no STUN server.
   */
  stunPort: number | null;
  /** TURN servers that take credentials minted with a shared secret (`CWMN_TURN_URLS`, `CWMN_TURN_SECRET`); null: none. */
  turn: TurnConfig | null;
  /** When page data travels through the server's relay instead of peer-to-peer (`CWMN_RELAY`). */
  relay: RelayMode;
  /** A host with more guests than this sends them all through the relay (`CWMN_RELAY_FANOUT_GUESTS`); null: never. */
  relayFanoutGuests: number | null;
  /** Redis of a deployment of several servers and render workers (`CWMN_REDIS_URL`); null: one process, the file store. */
  redisUrl: string | null;
  /** Start of every Redis key and channel of this deployment (`CWMN_REDIS_PREFIX`). */
  redisPrefix: string;
  /** `/metrics` wants `Authorization: Bearer <this>` (`CWMN_METRICS_TOKEN`); null: it answers everyone. */
  metricsToken: string | null;
  /** A realtime session ends this long after it started, in seconds (may be fractional). */
  sessionMaxSeconds: number;
  /** A one-time invite link expires this long after it was made, in seconds (may be fractional). */
  linkTtlSeconds: number;
  /** After its host's socket closed, a realtime session waits this long for a `host-hello` before it ends (`CWMN_HOST_GRACE_SECONDS`). */
  hostGraceSeconds: number;
  /** After a guest's socket closed, the guest stays this long for a `guest-resume` before it leaves (`CWMN_GUEST_GRACE_SECONDS`). */
  guestGraceSeconds: number;
  /** On SIGTERM, the server gives up waiting for its sockets and writes after this long, in seconds (`CWMN_DRAIN_SECONDS`). */
  drainSeconds: number;
  /** A socket must introduce itself (`host-hello` / `guest-join`) within this time. */
  helloTimeoutMs: number;
  /** Every socket is pinged this often; one that missed the previous pong is dropped. */
  pingIntervalMs: number;
  /** A replay recording ends this long after it started, in seconds (`CWMN_REPLAY_MAX_SECONDS`). */
  replayMaxSeconds: number;
  /** Chromium of the replay renderer (`CWMN_CHROMIUM_PATH`). */
  chromiumPath: string;
  /** A rendered replay's video URL works this long, in seconds (`CWMN_VIDEO_TTL_SECONDS`). */
  videoTtlSeconds: number;
  /** A replay recording with no upload for this long is ended and rendered as it is. */
  replayIdleMs: number;
  /** After a replay session expired, its last uploads are still taken for this long. */
  replayLateUploadMs: number;
  /** The render worker script (built by esbuild.mjs). */
  replayWorkerPath: string;
  /** The built render page served at `/replay-render/`. */
  replayPageDir: string;
  /** SMTP server of outgoing mail (`CWMN_SMTP_URL`, e.g. `smtp://user:pass@smtp.example.com:587`); null = development outbox. */
  smtpUrl: string | null;
  /** From address of outgoing mail (`CWMN_MAIL_FROM`). */
  mailFrom: string;
  /** Where SMS invites are POSTed as JSON `{to, body}` (`CWMN_SMS_WEBHOOK_URL`); null = development outbox. */
  smsWebhookUrl: string | null;
  /** Where log lines go. */
  log: LogFn;
  /**
   * Audit hook: receives every text message the signaling socket receives, as
   * received (for privacy audits: proving page data never reaches the server).
   */
  audit?: (text: string) => void;
  /** Sees every frame the relay receives, as bytes (the same privacy audits, for the relay). */
  auditBytes?: (bytes: Uint8Array) => void;
}

/** TURN servers sharing one secret with this server (coturn's `use-auth-secret` / `static-auth-secret`). */
export interface TurnConfig {
  /** `turn:` / `turns:` URLs, e.g. `turn:turn.example.com:3478?transport=tcp`. */
  urls: string[];
  /** The shared secret credentials are minted with; it never leaves the server. */
  secret: string;
}

/** The values of `CWMN_RELAY`. */
export const RELAY_MODES: readonly RelayMode[] = ['auto', 'off', 'always'];
/** Shortest `CWMN_TURN_SECRET` accepted. */
export const MIN_TURN_SECRET_LENGTH = 16;

/** Past this many guests, a host sends every guest through the relay's fan-out (see BENCHMARKS.md). */
export const DEFAULT_RELAY_FANOUT_GUESTS = 8;
/** Default TCP port. */
export const DEFAULT_PORT = 8080;
/** Default interface. */
export const DEFAULT_HOST = '127.0.0.1';
/** Default maximum session length: 4 hours. */
export const DEFAULT_SESSION_MAX_SECONDS = 4 * 60 * 60;
/** Default lifetime of an unused invite link: 24 hours. */
export const DEFAULT_LINK_TTL_SECONDS = 24 * 60 * 60;
/** Default time a session waits for its host to come back (reload, navigation, lost network): 30 seconds. */
export const DEFAULT_HOST_GRACE_SECONDS = 30;
/** Default of `CWMN_DRAIN_SECONDS`: well within the 30 s most orchestrators wait after SIGTERM. */
export const DEFAULT_DRAIN_SECONDS = 10;
/** Default time a guest's place is kept after its socket closed: 10 seconds. */
export const DEFAULT_GUEST_GRACE_SECONDS = 10;
/** Default maximum replay length: 10 minutes. */
export const DEFAULT_REPLAY_MAX_SECONDS = 600;
/** Default Chromium of the replay renderer (Debian's). */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
/** Default lifetime of a replay video URL: 7 days. */
export const DEFAULT_VIDEO_TTL_SECONDS = 7 * 24 * 60 * 60;
/** Time the last uploads of an expired replay have to arrive. */
export const REPLAY_LATE_UPLOAD_MS = 5_000;
/** From address when `CWMN_MAIL_FROM` is unset and the SMTP user is not an email address. */
export const DEFAULT_MAIL_FROM = 'cwmn <no-reply@cwmn.invalid>';
/** Time a new socket has to send its first message. */
export const HELLO_TIMEOUT_MS = 10_000;
/** Interval of liveness pings on every socket. */
export const PING_INTERVAL_MS = 15_000;

let stdoutLog: LogFn | undefined;
/** JSON lines on standard output (opened on first use). */
export const defaultLog: LogFn = (message, fields) => (stdoutLog ??= jsonLog())(message, fields);

type Env = Record<string, string | undefined>;

/** Reads the configuration from environment variables, with defaults; throws `ERR_INVALID_PARAMS` on a bad value. */
export function loadConfig(env: Env = process.env, rootDir: string = process.cwd()): ServerConfig {
  const port = readPort(env.PORT);
  return {
    port,
    host: readString(env.HOST) ?? DEFAULT_HOST,
    publicUrl: readPublicUrl(env.CWMN_PUBLIC_URL),
    tls: readTls(env.CWMN_TLS_CERT, env.CWMN_TLS_KEY, rootDir),
    allowedOrigins: readOrigins(env.CWMN_ALLOWED_ORIGINS),
    domainsFile: readPath(env.CWMN_DOMAINS_FILE, rootDir),
    dataDir: path.resolve(rootDir, readString(env.CWMN_DATA_DIR) ?? 'data'),
    rootDir: path.resolve(rootDir),
    iceServers: readIceServers(env.CWMN_ICE_SERVERS),
    stunPort: readStunPort(env.CWMN_STUN_PORT, port),
    turn: readTurn(env.CWMN_TURN_URLS, env.CWMN_TURN_SECRET),
    relay: readRelay(env.CWMN_RELAY),
    relayFanoutGuests: readFanout(env.CWMN_RELAY_FANOUT_GUESTS),
    metricsToken: readMetricsToken(env.CWMN_METRICS_TOKEN),
    redisUrl: readRedisUrl(env.CWMN_REDIS_URL),
    redisPrefix: readRedisPrefix(env.CWMN_REDIS_PREFIX),
    sessionMaxSeconds: readSeconds('CWMN_SESSION_MAX_SECONDS', env.CWMN_SESSION_MAX_SECONDS, DEFAULT_SESSION_MAX_SECONDS),
    linkTtlSeconds: readSeconds('CWMN_LINK_TTL_SECONDS', env.CWMN_LINK_TTL_SECONDS, DEFAULT_LINK_TTL_SECONDS),
    hostGraceSeconds: readSeconds('CWMN_HOST_GRACE_SECONDS', env.CWMN_HOST_GRACE_SECONDS, DEFAULT_HOST_GRACE_SECONDS),
    drainSeconds: readSeconds('CWMN_DRAIN_SECONDS', env.CWMN_DRAIN_SECONDS, DEFAULT_DRAIN_SECONDS),
    guestGraceSeconds: readSeconds('CWMN_GUEST_GRACE_SECONDS', env.CWMN_GUEST_GRACE_SECONDS, DEFAULT_GUEST_GRACE_SECONDS),
    helloTimeoutMs: HELLO_TIMEOUT_MS,
    pingIntervalMs: PING_INTERVAL_MS,
    replayMaxSeconds: readSeconds('CWMN_REPLAY_MAX_SECONDS', env.CWMN_REPLAY_MAX_SECONDS, DEFAULT_REPLAY_MAX_SECONDS),
    chromiumPath: readString(env.CWMN_CHROMIUM_PATH) ?? DEFAULT_CHROMIUM_PATH,
    videoTtlSeconds: readSeconds('CWMN_VIDEO_TTL_SECONDS', env.CWMN_VIDEO_TTL_SECONDS, DEFAULT_VIDEO_TTL_SECONDS),
    replayIdleMs: REPLAY_IDLE_MS,
    replayLateUploadMs: REPLAY_LATE_UPLOAD_MS,
    replayWorkerPath: path.resolve(rootDir, 'dist/server/replay-worker.js'),
    replayPageDir: path.resolve(rootDir, 'dist/replay-render'),
    ...readDelivery(env),
    log: defaultLog,
  };
}

function invalid(message: string): CwmnError {
  return new CwmnError(ErrorCode.INVALID_PARAMS, message);
}

function readString(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

function readPath(value: string | undefined, rootDir: string): string | null {
  const text = readString(value);
  return text === undefined ? null : path.resolve(rootDir, text);
}

function readPort(value: string | undefined): number {
  const text = readString(value);
  if (text === undefined) return DEFAULT_PORT;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw invalid(`PORT must be an integer from 0 to 65535, got "${text}"`);
  return port;
}

function readPublicUrl(value: string | undefined): string | null {
  const text = readString(value);
  if (text === undefined) return null;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`CWMN_PUBLIC_URL must be an absolute http(s) URL, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`CWMN_PUBLIC_URL must be an http(s) URL, got "${text}"`);
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Both paths or neither; whether the files hold a good pair is checked when the server starts. */
function readTls(certValue: string | undefined, keyValue: string | undefined, rootDir: string): TlsFiles | null {
  const certFile = readPath(certValue, rootDir);
  const keyFile = readPath(keyValue, rootDir);
  if (certFile === null && keyFile === null) return null;
  if (keyFile === null) throw invalid('CWMN_TLS_CERT is set but CWMN_TLS_KEY is not; set both (PEM files), or neither');
  if (certFile === null) throw invalid('CWMN_TLS_KEY is set but CWMN_TLS_CERT is not; set both (PEM files), or neither');
  return { certFile, keyFile };
}

function readOrigins(value: string | undefined): string[] {
  const entries = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return entries.map((entry) => {
    const origin = normalizeOrigin(entry);
    if (!origin) throw invalid(`CWMN_ALLOWED_ORIGINS: "${entry}" is not an origin like https://example.com`);
    return origin;
  });
}

function readSeconds(name: string, value: string | undefined, fallback: number): number {
  const text = readString(value);
  if (text === undefined) return fallback;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw invalid(`${name} must be a positive number of seconds, got "${text}"`);
  return seconds;
}

function readIceServers(value: string | undefined): RTCIceServer[] | null {
  const text = readString(value);
  if (text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`CWMN_ICE_SERVERS is not valid JSON (${(err as Error).message}); expected e.g. [{"urls":"stun:stun.example.com:3478"}]`);
  }
  if (!Array.isArray(parsed) || !parsed.every(isIceServer)) {
    throw invalid('CWMN_ICE_SERVERS must be a JSON array of RTCIceServer objects, each with "urls" (a string or an array of strings)');
  }
  return parsed;
}

function isIceServer(value: unknown): value is RTCIceServer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const s = value as Record<string, unknown>;
  const urlsOk = typeof s.urls === 'string'
    || (Array.isArray(s.urls) && s.urls.length > 0 && s.urls.every((u) => typeof u === 'string'));
  const optionalString = (v: unknown) => v === undefined || typeof v === 'string';
  return urlsOk && optionalString(s.username) && optionalString(s.credential);
}

function readStunPort(value: string | undefined, port: number): number | null {
  const text = readString(value);
  if (text === undefined) return port;
  if (text.toLowerCase() === 'off') return null;
  const stunPort = Number(text);
  if (!/^\d+$/.test(text) || stunPort > 65535) throw invalid(`CWMN_STUN_PORT must be an integer from 0 to 65535, or off, got "${text}"`);
  return stunPort;
}

/** `turn:host[:port][?transport=udp|tcp]` or `turns:…` (RFC 7065). */
const TURN_URL = /^turns?:([^?]+)(?:\?transport=(?:udp|tcp))?$/i;

function readTurn(urlsValue: string | undefined, secretValue: string | undefined): TurnConfig | null {
  const urls = (urlsValue ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const secret = readString(secretValue);
  if (urls.length === 0 && secret === undefined) return null;
  if (urls.length === 0) throw invalid('CWMN_TURN_SECRET is set but CWMN_TURN_URLS is not; set both, or neither');
  for (const url of urls) {
    const m = TURN_URL.exec(url);
    if (!m || hostNameOf(m[1]) === null) {
      throw invalid(`CWMN_TURN_URLS: "${url}" is not a turn: or turns: URL with a host; expected e.g. turn:turn.example.com:3478?transport=tcp`);
    }
  }
  // The secret is never echoed, not even its length.
  if (secret === undefined) throw invalid('CWMN_TURN_URLS is set but CWMN_TURN_SECRET is not; set both, or neither');
  if (secret.length < MIN_TURN_SECRET_LENGTH) throw invalid(`CWMN_TURN_SECRET must be at least ${MIN_TURN_SECRET_LENGTH} characters`);
  return { urls, secret };
}

function readRelay(value: string | undefined): RelayMode {
  const text = readString(value);
  if (text === undefined) return 'auto';
  const mode = RELAY_MODES.find((m) => m === text.toLowerCase());
  if (!mode) throw invalid(`CWMN_RELAY must be auto, off or always, got "${text}"`);
  return mode;
}

function readFanout(value: string | undefined): number | null {
  const text = readString(value);
  if (text === undefined) return DEFAULT_RELAY_FANOUT_GUESTS;
  if (text.toLowerCase() === 'off') return null;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 10_000) throw invalid(`CWMN_RELAY_FANOUT_GUESTS must be an integer from 1 to 10000, or off, got "${text}"`);
  return n;
}

function readRedisUrl(value: string | undefined): string | null {
  const text = readString(value);
  if (text === undefined) return null;
  const example = 'redis://127.0.0.1:6379 or rediss://:password@redis.example.com:6380';
  const url = parseSecretUrl('CWMN_REDIS_URL', text, example);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw invalid(`CWMN_REDIS_URL must start with redis:// or rediss://; expected e.g. ${example}`);
  }
  if (!url.hostname) throw invalid(`CWMN_REDIS_URL has no host; expected e.g. ${example}`);
  return text;
}

function readRedisPrefix(value: string | undefined): string {
  const text = readString(value) ?? 'cwmn';
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(text)) throw invalid(`CWMN_REDIS_PREFIX must be 1 to 64 letters, digits, '_', '.' or '-', got "${text}"`);
  return text;
}

function readMetricsToken(value: string | undefined): string | null {
  const text = readString(value);
  if (text === undefined) return null;
  if (!/^[\x21-\x7e]{16,256}$/.test(text)) throw invalid('CWMN_METRICS_TOKEN must be 16 to 256 printable characters without spaces');
  return text;
}

function readDelivery(env: Env): Pick<ServerConfig, 'smtpUrl' | 'mailFrom' | 'smsWebhookUrl'> {
  const smtpUrl = readSmtpUrl(env.CWMN_SMTP_URL);
  return {
    smtpUrl,
    mailFrom: readMailFrom(env.CWMN_MAIL_FROM) ?? defaultMailFrom(smtpUrl),
    smsWebhookUrl: readWebhookUrl(env.CWMN_SMS_WEBHOOK_URL),
  };
}

/** Parses a URL without ever echoing it: these URLs carry credentials. */
function parseSecretUrl(name: string, text: string, example: string): URL {
  try {
    return new URL(text);
  } catch {
    throw invalid(`${name} is not a valid URL; expected e.g. ${example}`);
  }
}

function readSmtpUrl(value: string | undefined): string | null {
  const text = readString(value);
  if (text === undefined) return null;
  const example = 'smtp://user:password@smtp.example.com:587 or smtps://user:password@smtp.example.com:465';
  const url = parseSecretUrl('CWMN_SMTP_URL', text, example);
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw invalid(`CWMN_SMTP_URL must start with smtp:// or smtps://; expected e.g. ${example}`);
  }
  if (!url.hostname) throw invalid(`CWMN_SMTP_URL has no host; expected e.g. ${example}`);
  return text;
}

function readWebhookUrl(value: string | undefined): string | null {
  const text = readString(value);
  if (text === undefined) return null;
  const example = 'https://sms-gateway.example/send';
  const url = parseSecretUrl('CWMN_SMS_WEBHOOK_URL', text, example);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(`CWMN_SMS_WEBHOOK_URL must be an http(s) URL; expected e.g. ${example}`);
  }
  return text;
}

/** `Name <address>` or a bare address; the address must be valid. */
const MAIL_FROM_PATTERN = /^(?:([^<>]*?)\s*<([^<>\s]+)>|([^<>\s]+))$/;

function readMailFrom(value: string | undefined): string | undefined {
  const text = readString(value);
  if (text === undefined) return undefined;
  const m = MAIL_FROM_PATTERN.exec(text);
  const address = m?.[2] ?? m?.[3];
  if (!address || !isEmail(address) || /[\r\n]/.test(text)) {
    throw invalid(`CWMN_MAIL_FROM must be an address like "cwmn <no-reply@example.com>" or no-reply@example.com, got "${text}"`);
  }
  return text;
}

/** Most relays only take mail from the account that logs in: use it when it is an address. */
function defaultMailFrom(smtpUrl: string | null): string {
  let user = '';
  try {
    if (smtpUrl !== null) user = decodeURIComponent(new URL(smtpUrl).username);
  } catch {
    // A user name that is not valid percent-encoding is no address either.
  }
  return isEmail(user) ? `cwmn <${user}>` : DEFAULT_MAIL_FROM;
}
