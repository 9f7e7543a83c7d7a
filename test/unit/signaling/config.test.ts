import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUEST_GRACE_SECONDS, DEFAULT_HOST_GRACE_SECONDS, DEFAULT_LINK_TTL_SECONDS, DEFAULT_MAIL_FROM, DEFAULT_SESSION_MAX_SECONDS,
  HELLO_TIMEOUT_MS, loadConfig, PING_INTERVAL_MS,
} from '../../../signaling/config.js';

const ROOT = path.resolve('/srv/cwmn');


/** The message of the config error `env` causes (always ERR_INVALID_PARAMS). */
function message(env: Record<string, string>): string {
  try {
    loadConfig(env, ROOT);
  } catch (err) {
    expect((err as { code: string }).code).toBe('ERR_INVALID_PARAMS');
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('loadConfig', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({}, ROOT);
    expect(c).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      publicUrl: null,
      tls: null,
      allowedOrigins: [],
      dataDir: path.join(ROOT, 'data'),
      rootDir: ROOT,
      iceServers: null,
      stunPort: 8080,
      turn: null,
      relay: 'auto',
      sessionMaxSeconds: DEFAULT_SESSION_MAX_SECONDS,
      linkTtlSeconds: DEFAULT_LINK_TTL_SECONDS,
      helloTimeoutMs: HELLO_TIMEOUT_MS,
      pingIntervalMs: PING_INTERVAL_MS,
      smtpUrl: null,
      mailFrom: DEFAULT_MAIL_FROM,
      smsWebhookUrl: null,
    });
    expect(DEFAULT_MAIL_FROM).toBe('cwmn <no-reply@cwmn.invalid>');
    expect(DEFAULT_SESSION_MAX_SECONDS).toBe(14400);
    expect(DEFAULT_LINK_TTL_SECONDS).toBe(86400);
    expect(typeof c.log).toBe('function');
  });

  it('reads every variable', () => {
    const c = loadConfig({
      PORT: '0',
      HOST: '0.0.0.0',
      CWMN_PUBLIC_URL: 'https://co.example/base/',
      CWMN_ALLOWED_ORIGINS: ' https://A.example , http://b.example:8080/ ,',
      CWMN_DATA_DIR: 'var/state',
      CWMN_ICE_SERVERS: '[{"urls":"stun:stun.example:3478"},{"urls":["turn:t.example"],"username":"u","credential":"p"}]',
      CWMN_SESSION_MAX_SECONDS: '60',
      CWMN_LINK_TTL_SECONDS: '0.5',
    }, ROOT);
    expect(c.port).toBe(0);
    expect(c.host).toBe('0.0.0.0');
    expect(c.publicUrl).toBe('https://co.example/base');
    expect(c.allowedOrigins).toEqual(['https://a.example', 'http://b.example:8080']);
    expect(c.dataDir).toBe(path.join(ROOT, 'var/state'));
    expect(c.iceServers).toHaveLength(2);
    expect(c.sessionMaxSeconds).toBe(60);
    expect(c.linkTtlSeconds).toBe(0.5);
  });

  it('reads the grace periods of hosts and guests, with their defaults', () => {
    expect(loadConfig({}, ROOT)).toMatchObject({ hostGraceSeconds: DEFAULT_HOST_GRACE_SECONDS, guestGraceSeconds: DEFAULT_GUEST_GRACE_SECONDS });
    expect([DEFAULT_HOST_GRACE_SECONDS, DEFAULT_GUEST_GRACE_SECONDS]).toEqual([30, 10]);
    const c = loadConfig({ CWMN_HOST_GRACE_SECONDS: '5', CWMN_GUEST_GRACE_SECONDS: '0.5' }, ROOT);
    expect([c.hostGraceSeconds, c.guestGraceSeconds]).toEqual([5, 0.5]);
    expect(() => loadConfig({ CWMN_HOST_GRACE_SECONDS: 'soon' }, ROOT)).toThrow(/CWMN_HOST_GRACE_SECONDS must be a positive number of seconds/);
    expect(() => loadConfig({ CWMN_GUEST_GRACE_SECONDS: '-1' }, ROOT)).toThrow(/CWMN_GUEST_GRACE_SECONDS/);
  });

  it('keeps an absolute data dir as is', () => {
    expect(loadConfig({ CWMN_DATA_DIR: '/tmp/x' }, ROOT).dataDir).toBe(path.resolve('/tmp/x'));
  });

  it('refuses invalid ICE server JSON with a clear message and a stable code', () => {
    expect(() => loadConfig({ CWMN_ICE_SERVERS: '[{urls:' }, ROOT)).toThrow(/CWMN_ICE_SERVERS is not valid JSON/);
    try {
      loadConfig({ CWMN_ICE_SERVERS: '{"urls":"stun:x"}' }, ROOT);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('ERR_INVALID_PARAMS');
      expect((err as Error).message).toMatch(/must be a JSON array of RTCIceServer/);
    }
    expect(() => loadConfig({ CWMN_ICE_SERVERS: '[{"urls":5}]' }, ROOT)).toThrow(/RTCIceServer/);
  });

  it('refuses bad values', () => {
    expect(() => loadConfig({ PORT: '70000' }, ROOT)).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: 'http' }, ROOT)).toThrow(/PORT/);
    expect(() => loadConfig({ CWMN_PUBLIC_URL: 'ftp://x' }, ROOT)).toThrow(/CWMN_PUBLIC_URL/);
    expect(() => loadConfig({ CWMN_PUBLIC_URL: 'not a url' }, ROOT)).toThrow(/CWMN_PUBLIC_URL/);
    expect(() => loadConfig({ CWMN_ALLOWED_ORIGINS: 'example.com' }, ROOT)).toThrow(/CWMN_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ CWMN_ALLOWED_ORIGINS: 'https://a.example/path' }, ROOT)).toThrow(/CWMN_ALLOWED_ORIGINS/);
    expect(() => loadConfig({ CWMN_SESSION_MAX_SECONDS: '0' }, ROOT)).toThrow(/CWMN_SESSION_MAX_SECONDS/);
    expect(() => loadConfig({ CWMN_LINK_TTL_SECONDS: '-1' }, ROOT)).toThrow(/CWMN_LINK_TTL_SECONDS/);
  });

  it('reads the mail and SMS settings', () => {
    const c = loadConfig({
      CWMN_SMTP_URL: 'smtps://mailer:s3cret@smtp.example.com:465',
      CWMN_MAIL_FROM: 'Shop Support <help@shop.example>',
      CWMN_SMS_WEBHOOK_URL: 'https://sms.example/send?key=abc',
    }, ROOT);
    expect(c.smtpUrl).toBe('smtps://mailer:s3cret@smtp.example.com:465');
    expect(c.mailFrom).toBe('Shop Support <help@shop.example>');
    expect(c.smsWebhookUrl).toBe('https://sms.example/send?key=abc');
    expect(loadConfig({ CWMN_MAIL_FROM: 'help@shop.example' }, ROOT).mailFrom).toBe('help@shop.example');
  });

  it('sends mail from the SMTP account when it is an address and CWMN_MAIL_FROM is unset', () => {
    expect(loadConfig({ CWMN_SMTP_URL: 'smtp://ada%40shop.example:pw@smtp.example.com:587' }, ROOT).mailFrom)
      .toBe('cwmn <ada@shop.example>');
    expect(loadConfig({ CWMN_SMTP_URL: 'smtp://apikey:pw@smtp.example.com' }, ROOT).mailFrom).toBe(DEFAULT_MAIL_FROM);
  });

  it('refuses malformed mail and SMS settings without echoing secrets', () => {
    expect(message({ CWMN_SMTP_URL: '//user:s3cret@smtp.example.com' })).toMatch(/^CWMN_SMTP_URL is not a valid URL/);
    expect(message({ CWMN_SMTP_URL: 'smtp.example.com:587' })).toMatch(/CWMN_SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
    expect(message({ CWMN_SMTP_URL: 'smtp://' })).toMatch(/CWMN_SMTP_URL (has no host|is not a valid URL)/);
    expect(message({ CWMN_SMTP_URL: 'https://user:s3cret@smtp.example.com' })).toMatch(/CWMN_SMTP_URL must start with smtp:\/\/ or smtps:\/\//);
    expect(message({ CWMN_SMTP_URL: 'https://user:s3cret@smtp.example.com' })).not.toContain('s3cret');
    expect(message({ CWMN_SMS_WEBHOOK_URL: 'not a url s3cret' })).toMatch(/^CWMN_SMS_WEBHOOK_URL is not a valid URL/);
    expect(message({ CWMN_SMS_WEBHOOK_URL: 'ftp://sms.example/s3cret' })).toMatch(/CWMN_SMS_WEBHOOK_URL must be an http\(s\) URL/);
    expect(message({ CWMN_SMS_WEBHOOK_URL: 'ftp://sms.example/s3cret' })).not.toContain('s3cret');
    expect(message({ CWMN_MAIL_FROM: 'cwmn' })).toMatch(/CWMN_MAIL_FROM must be an address/);
    expect(message({ CWMN_MAIL_FROM: 'cwmn <not-an-address>' })).toMatch(/CWMN_MAIL_FROM/);
  });

  it('treats empty variables as unset', () => {
    const c = loadConfig({
      PORT: '', CWMN_ALLOWED_ORIGINS: '', CWMN_ICE_SERVERS: ' ', CWMN_PUBLIC_URL: '', CWMN_SMTP_URL: '', CWMN_SMS_WEBHOOK_URL: ' ', CWMN_MAIL_FROM: '',
      CWMN_STUN_PORT: '', CWMN_TURN_URLS: ' , ', CWMN_TURN_SECRET: '', CWMN_RELAY: ' ',
    }, ROOT);
    expect([c.stunPort, c.turn, c.relay]).toEqual([8080, null, 'auto']);
    expect([c.smtpUrl, c.smsWebhookUrl, c.mailFrom]).toEqual([null, null, DEFAULT_MAIL_FROM]);
    expect(c.port).toBe(8080);
    expect(c.allowedOrigins).toEqual([]);
    expect(c.iceServers).toBeNull();
    expect(c.publicUrl).toBeNull();
  });
});

describe('loadConfig: STUN, TURN and relay', () => {
  const SECRET = 'sixteen-chars-ok';

  it('keeps CWMN_ICE_SERVERS as written when set, even to []; unset means the built-in servers (null)', () => {
    expect(loadConfig({ CWMN_ICE_SERVERS: '[]' }, ROOT).iceServers).toEqual([]);
    expect(loadConfig({}, ROOT).iceServers).toBeNull();
  });

  it('runs STUN on the number of PORT by default, on CWMN_STUN_PORT when set, and not at all when off', () => {
    expect(loadConfig({ PORT: '9000' }, ROOT).stunPort).toBe(9000);
    expect(loadConfig({ PORT: '0' }, ROOT).stunPort).toBe(0);
    expect(loadConfig({ PORT: '9000', CWMN_STUN_PORT: '3478' }, ROOT).stunPort).toBe(3478);
    expect(loadConfig({ CWMN_STUN_PORT: '0' }, ROOT).stunPort).toBe(0);
    expect(loadConfig({ CWMN_STUN_PORT: 'off' }, ROOT).stunPort).toBeNull();
    expect(loadConfig({ CWMN_STUN_PORT: ' OFF ' }, ROOT).stunPort).toBeNull();
  });

  it('refuses a CWMN_STUN_PORT that is not a port or off', () => {
    for (const bad of ['65536', '-1', '3478.5', 'udp', 'no']) {
      expect(message({ CWMN_STUN_PORT: bad })).toMatch(/^CWMN_STUN_PORT must be an integer from 0 to 65535, or off/);
    }
  });

  it('reads TURN URLs and the shared secret', () => {
    const c = loadConfig({
      CWMN_TURN_URLS: ' turn:turn.example.com:3478?transport=tcp , turns:turn.example.com:5349,turn:192.0.2.9,turn:[2001:db8::9]:3478?transport=udp',
      CWMN_TURN_SECRET: SECRET,
    }, ROOT);
    expect(c.turn).toEqual({
      urls: ['turn:turn.example.com:3478?transport=tcp', 'turns:turn.example.com:5349', 'turn:192.0.2.9', 'turn:[2001:db8::9]:3478?transport=udp'],
      secret: SECRET,
    });
  });

  it('reads the TLS certificate and key paths (relative to the root), and wants both or neither', () => {
    expect(loadConfig({ CWMN_TLS_CERT: 'tls/cert.pem', CWMN_TLS_KEY: '/etc/cwmn/key.pem' }, ROOT).tls).toEqual({
      certFile: path.join(ROOT, 'tls/cert.pem'), keyFile: '/etc/cwmn/key.pem',
    });
    expect(message({ CWMN_TLS_CERT: 'cert.pem' })).toMatch(/^CWMN_TLS_CERT is set but CWMN_TLS_KEY is not; set both/);
    expect(message({ CWMN_TLS_KEY: 'key.pem', CWMN_TLS_CERT: ' ' })).toMatch(/^CWMN_TLS_KEY is set but CWMN_TLS_CERT is not; set both/);
  });

  it('wants both TURN variables or neither', () => {
    expect(message({ CWMN_TURN_URLS: 'turn:turn.example.com' })).toMatch(/^CWMN_TURN_URLS is set but CWMN_TURN_SECRET is not/);
    expect(message({ CWMN_TURN_URLS: 'turn:turn.example.com', CWMN_TURN_SECRET: '  ' })).toMatch(/CWMN_TURN_SECRET is not/);
    expect(message({ CWMN_TURN_SECRET: SECRET })).toMatch(/^CWMN_TURN_SECRET is set but CWMN_TURN_URLS is not/);
  });

  it('refuses a TURN URL that is not turn: or turns: with a host, naming CWMN_TURN_URLS', () => {
    for (const bad of [
      'stun:turn.example.com', 'http://turn.example.com', 'turn://turn.example.com', 'turn:', 'turn::3478', 'turn:turn.example.com:99999',
      'turn:user@turn.example.com', 'turn:turn.example.com?transport=sctp', 'turn:turn.example.com/path', 'turn:a b',
    ]) {
      expect(message({ CWMN_TURN_URLS: `turn:ok.example.com,${bad}`, CWMN_TURN_SECRET: SECRET }), bad).toMatch(/^CWMN_TURN_URLS: ".*" is not a turn: or turns: URL with a host/);
    }
  });

  it('refuses a short TURN secret without echoing it', () => {
    const text = message({ CWMN_TURN_URLS: 'turn:turn.example.com', CWMN_TURN_SECRET: 'short-s3cret' });
    expect(text).toMatch(/^CWMN_TURN_SECRET must be at least 16 characters/);
    expect(text).not.toContain('short-s3cret');
    expect(loadConfig({ CWMN_TURN_URLS: 'turn:turn.example.com', CWMN_TURN_SECRET: 'x'.repeat(16) }, ROOT).turn?.secret).toBe('x'.repeat(16));
  });

  it('reads CWMN_RELAY (auto by default) and refuses other values', () => {
    expect(loadConfig({}, ROOT).relay).toBe('auto');
    expect(['auto', 'off', 'always', ' Always '].map((v) => loadConfig({ CWMN_RELAY: v }, ROOT).relay)).toEqual(['auto', 'off', 'always', 'always']);
    expect(message({ CWMN_RELAY: 'sometimes' })).toBe('CWMN_RELAY must be auto, off or always, got "sometimes"');
  });
});

describe('loadConfig: CWMN_RELAY_FANOUT_GUESTS', () => {
  it('defaults to 8, takes a count or off, and refuses anything else naming the variable', () => {
    expect(loadConfig({}, ROOT).relayFanoutGuests).toBe(8);
    expect(loadConfig({ CWMN_RELAY_FANOUT_GUESTS: '20' }, ROOT).relayFanoutGuests).toBe(20);
    expect(loadConfig({ CWMN_RELAY_FANOUT_GUESTS: 'off' }, ROOT).relayFanoutGuests).toBeNull();
    for (const bad of ['0', '-1', '2.5', 'many', '10001']) {
      expect(message({ CWMN_RELAY_FANOUT_GUESTS: bad }), bad).toMatch(/^CWMN_RELAY_FANOUT_GUESTS must be an integer/);
    }
  });
});

describe('loadConfig: CWMN_METRICS_TOKEN', () => {
  it('is unset by default, takes a long enough token, and refuses a short one without echoing it', () => {
    expect(loadConfig({}, ROOT).metricsToken).toBeNull();
    expect(loadConfig({ CWMN_METRICS_TOKEN: 'm'.repeat(16) }, ROOT).metricsToken).toBe('m'.repeat(16));
    for (const bad of ['short-token', 'has spaces in the middle']) {
      const text = message({ CWMN_METRICS_TOKEN: bad });
      expect(text).toMatch(/^CWMN_METRICS_TOKEN must be 16 to 256 printable characters/);
      expect(text).not.toContain(bad);
    }
  });
});
