// The per-domain settings file: parsing and validation (errors name the bad
// key), merging an origin's entry over `*` and the server's defaults, the
// allowed set it adds to CWMN_ALLOWED_ORIGINS, and reloading on change.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CwmnError } from '../../../src/protocol/index.js';
import { loadConfig } from '../../../signaling/config.js';
import { DomainSettings, FeatureDisabledError } from '../../../signaling/domain-settings.js';
import {
  MAX_SELECTOR_LENGTH, MAX_SELECTORS, parseDomainsFile, resolveRules, type DomainsFile,
} from '../../../signaling/domains-file.js';
import { OriginPolicy } from '../../../signaling/origins.js';

const SHOP = 'https://shop.example.com';
const BASE = { sessionMaxSeconds: 14400 };

const EXAMPLE = {
  domains: {
    'https://Shop.Example.com:443/': {
      features: { realtime: true, replay: false },
      maskSelectors: ['.account-number', '#ssn'],
      blockSelectors: ['.chat-widget'],
      limits: { sessionMaxSeconds: 3600, maxGuests: 5 },
    },
    'http://blog.example:8080': { maskSelectors: ['.ssn'] },
    '*': { features: { realtime: true, replay: true }, maskSelectors: ['.ssn', '.everywhere'], limits: { maxGuests: 10 } },
  },
};

function parseError(value: unknown): string {
  try {
    parseDomainsFile(typeof value === 'string' ? value : JSON.stringify(value));
  } catch (err) {
    expect(err).toBeInstanceOf(CwmnError);
    expect((err as CwmnError).code).toBe('ERR_INVALID_PARAMS');
    return (err as Error).message;
  }
  throw new Error('the file was accepted');
}

describe('parseDomainsFile', () => {
  it('reads the documented format, normalizing origin keys', () => {
    const file = parseDomainsFile(JSON.stringify(EXAMPLE));
    expect([...file.origins.keys()]).toEqual([SHOP, 'http://blog.example:8080']);
    expect(file.origins.get(SHOP)).toEqual(EXAMPLE.domains['https://Shop.Example.com:443/']);
    expect(file.defaults).toEqual(EXAMPLE.domains['*']);
  });

  it('accepts an empty list and a file with defaults only', () => {
    expect(parseDomainsFile('{"domains":{}}').origins.size).toBe(0);
    const onlyDefaults = parseDomainsFile('{"domains":{"*":{"features":{"replay":false}}}}');
    expect(onlyDefaults.origins.size).toBe(0);
    expect(onlyDefaults.defaults).toEqual({ features: { replay: false } });
  });

  it('refuses what is not the format, naming the bad key', () => {
    const entry = (e: unknown) => ({ domains: { [SHOP]: e } });
    const cases: [unknown, RegExp][] = [
      ['{"domains": ', /not valid JSON/],
      [[], /must be a JSON object/],
      [{ domain: {} }, /the top level: unknown key "domain"/],
      [{ domains: [] }, /"domains" must be an object/],
      [{ domains: { 'shop.example.com': {} } }, /domains\["shop\.example\.com"\]: "shop\.example\.com" is not an origin/],
      [{ domains: { 'https://shop.example.com/path': {} } }, /is not an origin/],
      [{ domains: { [SHOP]: {}, 'https://SHOP.example.com': {} } }, /https:\/\/shop\.example\.com is listed twice/],
      [entry(null), /domains\["https:\/\/shop\.example\.com"\] must be an object/],
      [entry({ maskSelector: ['.x'] }), /domains\["https:\/\/shop\.example\.com"\]: unknown key "maskSelector"/],
      [entry({ features: { realtime: 'yes' } }), /\.features\.realtime must be true or false/],
      [entry({ features: { video: true } }), /\.features: unknown key "video"/],
      [entry({ maskSelectors: '.x' }), /\.maskSelectors must be an array/],
      [entry({ maskSelectors: ['.a', 7] }), /\.maskSelectors\[1\] must be a non-empty CSS selector/],
      [entry({ blockSelectors: ['  '] }), /\.blockSelectors\[0\] must be a non-empty CSS selector/],
      [entry({ blockSelectors: ['x'.repeat(MAX_SELECTOR_LENGTH + 1)] }), /\.blockSelectors\[0\] .*at most 500 characters/],
      [entry({ maskSelectors: Array.from({ length: MAX_SELECTORS + 1 }, (_, i) => `.s${i}`) }), /\.maskSelectors has 101 selectors; at most 100/],
      [entry({ limits: { maxGuests: 0 } }), /\.limits\.maxGuests must be a positive integer/],
      [entry({ limits: { sessionMaxSeconds: 1.5 } }), /\.limits\.sessionMaxSeconds must be a positive integer/],
      [entry({ limits: { sessionMaxSeconds: '60' } }), /\.limits\.sessionMaxSeconds must be a positive integer/],
      [entry({ limits: { guests: 3 } }), /\.limits: unknown key "guests"/],
      [{ domains: { '*': { limits: { maxGuests: -1 } } } }, /domains\["\*"\]\.limits\.maxGuests/],
    ];
    for (const [value, message] of cases) expect(parseError(value), JSON.stringify(value).slice(0, 80)).toMatch(message);
  });

  it('keeps the exact limits: 100 selectors of 500 characters are accepted', () => {
    const many = Array.from({ length: MAX_SELECTORS }, (_, i) => `.s${i}`);
    const file = parseDomainsFile(JSON.stringify({ domains: { [SHOP]: { maskSelectors: many, blockSelectors: ['x'.repeat(MAX_SELECTOR_LENGTH)] } } }));
    expect(file.origins.get(SHOP)?.maskSelectors).toHaveLength(MAX_SELECTORS);
  });
});

describe('resolveRules', () => {
  const file = parseDomainsFile(JSON.stringify(EXAMPLE));

  it('merges an origin over "*" over the server defaults; selectors add up', () => {
    expect(resolveRules(file, SHOP, BASE)).toEqual({
      features: { realtime: true, replay: false },
      sessionMaxSeconds: 3600,
      maskSelectors: ['.ssn', '.everywhere', '.account-number', '#ssn'],
      blockSelectors: ['.chat-widget'],
      maxGuests: 5,
      siteOrigins: [],
    });
    expect(resolveRules(file, 'http://blog.example:8080', BASE)).toEqual({
      features: { realtime: true, replay: true },
      sessionMaxSeconds: 14400,
      maskSelectors: ['.ssn', '.everywhere'], // No duplicate of .ssn.
      blockSelectors: [],
      maxGuests: 10,
      siteOrigins: [],
    });
  });

  it('gives an unlisted origin (or none) the "*" defaults', () => {
    for (const origin of ['https://other.example', null]) {
      expect(resolveRules(file, origin, BASE)).toMatchObject({ maskSelectors: ['.ssn', '.everywhere'], maxGuests: 10, sessionMaxSeconds: 14400 });
    }
  });

  it('with no file: everything on, no selectors, no guest limit', () => {
    const empty: DomainsFile = { origins: new Map(), defaults: {}, hosting: new Set() };
    expect(resolveRules(empty, SHOP, { sessionMaxSeconds: 60 })).toEqual({
      features: { realtime: true, replay: true }, sessionMaxSeconds: 60, maskSelectors: [], blockSelectors: [], maxGuests: null, siteOrigins: [],
    });
  });

  it('site origins: normalized, the origin itself dropped, allowed to host, only in an origin\'s own entry', () => {
    const file = parseDomainsFile(JSON.stringify({ domains: {
      [SHOP]: { siteOrigins: ['HTTPS://Checkout.Example.com:443', SHOP, 'https://checkout.example.com'] },
    } }));
    expect(resolveRules(file, SHOP, BASE).siteOrigins).toEqual(['https://checkout.example.com']);
    expect(resolveRules(file, 'https://checkout.example.com', BASE).siteOrigins).toEqual([]);
    expect([...file.hosting].sort()).toEqual(['https://checkout.example.com', SHOP].sort());
    expect(() => parseDomainsFile(JSON.stringify({ domains: { '*': { siteOrigins: [SHOP] } } }))).toThrow(/belong in that site's own entry/);
    expect(() => parseDomainsFile(JSON.stringify({ domains: { [SHOP]: { siteOrigins: ['not an origin'] } } }))).toThrow(/siteOrigins\[0\]/);
    expect(() => parseDomainsFile(JSON.stringify({ domains: { [SHOP]: { siteOrigins: 'https://a.example' } } }))).toThrow(/must be an array/);
  });
});

describe('DomainSettings', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const tempFile = (content: unknown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-domains-'));
    dirs.push(dir);
    const file = path.join(dir, 'domains.json');
    fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const open = (file: string | null) => {
    const logs: string[] = [];
    return { settings: new DomainSettings({ file, base: BASE, log: (l) => logs.push(l) }), logs };
  };

  it('refuses to start on a missing or invalid file, naming the file and the key', () => {
    expect(() => open('/nonexistent/domains.json')).toThrow(/CWMN_DOMAINS_FILE \/nonexistent\/domains\.json: ENOENT/);
    const bad = tempFile({ domains: { [SHOP]: { limits: { maxGuests: 'five' } } } });
    expect(() => open(bad)).toThrow(`CWMN_DOMAINS_FILE ${bad}: domains["${SHOP}"].limits.maxGuests must be a positive integer`);
  });

  it('without a file: lists nothing, every origin gets the defaults', () => {
    const { settings } = open(null);
    expect(settings.listedOrigins().size).toBe(0);
    expect(settings.rulesFor(SHOP)).toMatchObject({ features: { realtime: true, replay: true }, maxGuests: null });
  });

  it('answers for any spelling of an origin, and refuses a disabled feature', () => {
    const { settings, logs } = open(tempFile(EXAMPLE));
    expect(logs).toEqual([expect.stringMatching(/^domains: 2 origins and defaults from /)]);
    expect(settings.listedOrigins().has(SHOP)).toBe(true);
    expect(settings.rulesFor('HTTPS://shop.example.com:443').maxGuests).toBe(5);
    expect(settings.requireFeature(SHOP, 'realtime').sessionMaxSeconds).toBe(3600);
    expect(() => settings.requireFeature(SHOP, 'replay')).toThrow(FeatureDisabledError);
    expect(() => settings.requireFeature(SHOP, 'replay')).toThrow('Replay sessions are not enabled for this domain');
    try {
      settings.requireFeature(SHOP, 'replay');
    } catch (err) {
      expect((err as CwmnError).code).toBe('ERR_NOT_SUPPORTED');
    }
  });

  it('reloads the file when it changes, also when replaced by a rename', () => {
    const file = tempFile({ domains: { [SHOP]: { limits: { maxGuests: 2 } } } });
    const { settings, logs } = open(file);
    expect(settings.rulesFor(SHOP).maxGuests).toBe(2);
    fs.writeFileSync(file, JSON.stringify({ domains: { [SHOP]: { limits: { maxGuests: 3 } }, 'https://new.example': {} } }));
    expect(settings.rulesFor(SHOP).maxGuests).toBe(3);
    expect(settings.listedOrigins().has('https://new.example')).toBe(true);
    // An editor's save: a new file renamed over the old one.
    const next = `${file}.tmp`;
    fs.writeFileSync(next, JSON.stringify({ domains: { [SHOP]: { limits: { maxGuests: 4 } } } }));
    fs.renameSync(next, file);
    expect(settings.rulesFor(SHOP).maxGuests).toBe(4);
    expect(settings.listedOrigins().has('https://new.example')).toBe(false);
    expect(logs.filter((l) => l.startsWith('domains: reloaded'))).toHaveLength(2);
  });

  it('keeps the last good version when an edit is broken or the file disappears, and logs it once', () => {
    const file = tempFile({ domains: { [SHOP]: { maskSelectors: ['.secret'] } } });
    const { settings, logs } = open(file);
    fs.writeFileSync(file, '{"domains": {"https://shop.example.com": {"maskSelectors": [".secret", 42]}}}');
    expect(settings.rulesFor(SHOP).maskSelectors).toEqual(['.secret']);
    expect(settings.rulesFor(SHOP).maskSelectors).toEqual(['.secret']);
    const refusals = logs.filter((l) => l.includes('not reloaded'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('maskSelectors[1] must be a non-empty CSS selector');

    fs.rmSync(file);
    expect(settings.listedOrigins().has(SHOP)).toBe(true);
    expect(settings.listedOrigins().has(SHOP)).toBe(true);
    expect(logs.filter((l) => l.startsWith('domains: cannot read'))).toHaveLength(1);

    fs.writeFileSync(file, JSON.stringify({ domains: { [SHOP]: { maskSelectors: ['.fixed'] } } }));
    expect(settings.rulesFor(SHOP).maskSelectors).toEqual(['.fixed']);
  });
});

describe('the allowed set: CWMN_ALLOWED_ORIGINS ∪ the origins of the file', () => {
  const own = ['http://127.0.0.1:8080'];
  const policy = (allowed: string[], listed: string[]) => new OriginPolicy(allowed, own, () => new Set(listed));

  it('is open with neither list ("*" alone lists nothing)', () => {
    const p = policy([], []);
    expect(p.isOpen).toBe(true);
    expect(p.isAllowed('https://any.example')).toBe(true);
  });

  it('allows the file\'s origins, the environment\'s and the server\'s own, nothing else', () => {
    const p = policy(['https://env.example'], [SHOP]);
    expect(p.isOpen).toBe(false);
    for (const o of [SHOP, 'https://env.example', 'http://127.0.0.1:8080']) expect(p.isAllowed(o), o).toBe(true);
    for (const o of ['https://other.example', undefined]) expect(p.isAllowed(o), String(o)).toBe(false);
    const fileOnly = policy([], [SHOP]);
    expect(fileOnly.isAllowed(SHOP)).toBe(true);
    expect(fileOnly.isAllowed('https://env.example')).toBe(false);
    expect(fileOnly.isAllowed('http://127.0.0.1:8080')).toBe(true);
  });

  it('follows the file as it changes', () => {
    let listed = new Set<string>();
    const p = new OriginPolicy([], own, () => listed);
    expect(p.isAllowed('https://other.example')).toBe(true);
    listed = new Set([SHOP]);
    expect(p.isAllowed('https://other.example')).toBe(false);
    expect(p.corsHeaders(SHOP)).toEqual({ 'Access-Control-Allow-Origin': SHOP, Vary: 'Origin' });
  });
});

describe('CWMN_DOMAINS_FILE', () => {
  it('is a path resolved against the root, unset by default', () => {
    expect(loadConfig({}, '/srv/cwmn').domainsFile).toBeNull();
    expect(loadConfig({ CWMN_DOMAINS_FILE: 'conf/domains.json' }, '/srv/cwmn').domainsFile).toBe(path.resolve('/srv/cwmn/conf/domains.json'));
    expect(loadConfig({ CWMN_DOMAINS_FILE: '/etc/cwmn/domains.json' }, '/srv/cwmn').domainsFile).toBe('/etc/cwmn/domains.json');
  });
});
