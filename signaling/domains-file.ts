// The per-domain settings file (`CWMN_DOMAINS_FILE`): its format, its
// validation (every message names the bad key), and how an origin's entry
// is merged over the `*` defaults and the server's own defaults.
//
//   { "domains": {
//       "https://shop.example.com": {
//         "features": { "realtime": true, "replay": false },
//         "maskSelectors": [".account-number"], "blockSelectors": [".chat-widget"],
//         "limits": { "sessionMaxSeconds": 3600, "maxGuests": 5 },
//         "siteOrigins": ["https://checkout.example.com"] },
//       "*": { "features": { "realtime": true, "replay": true } } } }

import { CwmnError, ErrorCode, isInteger, isRecord, type DomainFeatures } from '../src/protocol/index.js';
import { normalizeOrigin } from './origins.js';

/** Key of the entry merged under every origin's. */
export const DEFAULTS_KEY = '*';
/** Most selectors in one list. */
export const MAX_SELECTORS = 100;
/** Longest selector, in characters. */
export const MAX_SELECTOR_LENGTH = 500;
/** Most origins in one `siteOrigins` list. */
export const MAX_SITE_ORIGINS = 20;
/** Largest value of a limit (about 31 years in seconds): keeps expiry times far from overflow. */
export const MAX_LIMIT = 1_000_000_000;

/** One entry of the file, as written: every field optional. */
export interface DomainEntry {
  features?: Partial<DomainFeatures>;
  /** CSS selectors whose text and input values are masked on the host. */
  maskSelectors?: string[];
  /** CSS selectors replaced by a same-size placeholder on the host. */
  blockSelectors?: string[];
  limits?: DomainLimits;
  /**
   * Other origins of the same site: a host's session started on this origin continues when the
   * host's tab goes on to one of them (see handoffs.ts). Only in an origin's own entry.
   */
  siteOrigins?: string[];
}

/** Limits of one entry; positive integers. */
export interface DomainLimits {
  /** Maximum realtime session length, in seconds (replaces `CWMN_SESSION_MAX_SECONDS` for the origin). */
  sessionMaxSeconds?: number;
  /** Most guests in one session at a time (connected or reconnecting). */
  maxGuests?: number;
}

/** A validated settings file. */
export interface DomainsFile {
  /** Entries by normalized origin: these origins may host. */
  origins: ReadonlyMap<string, DomainEntry>;
  /** The `*` entry (empty when absent): defaults of every origin; allows none by itself. */
  defaults: DomainEntry;
  /** The origins listed, and every origin a listed one names in `siteOrigins`: all may host. */
  hosting: ReadonlySet<string>;
}

/** Everything that applies to one origin, resolved. */
export interface DomainRules {
  features: DomainFeatures;
  sessionMaxSeconds: number;
  maskSelectors: string[];
  blockSelectors: string[];
  /** null: no limit. */
  maxGuests: number | null;
  /** Other origins a session started on this origin continues on (normalized; never the origin itself). */
  siteOrigins: string[];
}

/** The server's own defaults, under everything in the file. */
export interface BaseRules {
  sessionMaxSeconds: number;
}

/** A file with no entries: every origin gets the server's defaults. */
export const EMPTY_DOMAINS_FILE: DomainsFile = { origins: new Map(), defaults: {}, hosting: new Set() };

const ENTRY_KEYS = ['features', 'maskSelectors', 'blockSelectors', 'limits', 'siteOrigins'] as const;
const FEATURE_KEYS = ['realtime', 'replay'] as const;
const LIMIT_KEYS = ['sessionMaxSeconds', 'maxGuests'] as const;

/** Parses and validates the text of a settings file; throws `ERR_INVALID_PARAMS` naming the first bad key. */
export function parseDomainsFile(text: string): DomainsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(`not valid JSON (${(err as Error).message})`);
  }
  if (!isRecord(value)) throw invalid('must be a JSON object like {"domains": {"https://shop.example.com": {…}}}');
  checkKeys(value, ['domains'], 'the top level');
  if (!isRecord(value.domains)) throw invalid('"domains" must be an object whose keys are origins or "*"');
  const origins = new Map<string, DomainEntry>();
  let defaults: DomainEntry = {};
  for (const [key, raw] of Object.entries(value.domains)) {
    const where = `domains[${JSON.stringify(key)}]`;
    if (key === DEFAULTS_KEY) {
      defaults = parseEntry(raw, where);
      if (defaults.siteOrigins) throw invalid(`${where}.siteOrigins: a site's origins belong in that site's own entry, not in "*"`);
      continue;
    }
    const origin = normalizeOrigin(key);
    if (!origin) throw invalid(`${where}: "${key}" is not an origin like https://shop.example.com (or "*" for defaults)`);
    if (origins.has(origin)) throw invalid(`${where}: ${origin} is listed twice`);
    const entry = parseEntry(raw, where);
    if (entry.siteOrigins) entry.siteOrigins = entry.siteOrigins.filter((o) => o !== origin);
    origins.set(origin, entry);
  }
  const hosting = new Set([...origins.keys(), ...[...origins.values()].flatMap((e) => e.siteOrigins ?? [])]);
  return { origins, defaults, hosting };
}

/**
 * The rules of `origin` (normalized, or null for a request without one): its
 * entry over the `*` entry over the server's defaults, field by field. Mask and
 * block selectors add up (an origin cannot drop a default mask); features and
 * limits of the more specific entry win.
 */
export function resolveRules(file: DomainsFile, origin: string | null, base: BaseRules): DomainRules {
  const entry = (origin === null ? undefined : file.origins.get(origin)) ?? {};
  const under = file.defaults;
  const pick = <K extends keyof DomainLimits>(k: K) => entry.limits?.[k] ?? under.limits?.[k];
  return {
    features: {
      realtime: entry.features?.realtime ?? under.features?.realtime ?? true,
      replay: entry.features?.replay ?? under.features?.replay ?? true,
    },
    sessionMaxSeconds: pick('sessionMaxSeconds') ?? base.sessionMaxSeconds,
    maskSelectors: union(under.maskSelectors, entry.maskSelectors),
    blockSelectors: union(under.blockSelectors, entry.blockSelectors),
    maxGuests: pick('maxGuests') ?? null,
    siteOrigins: [...(entry.siteOrigins ?? [])],
  };
}

function parseEntry(raw: unknown, where: string): DomainEntry {
  if (!isRecord(raw)) throw invalid(`${where} must be an object with ${ENTRY_KEYS.join(', ')}`);
  checkKeys(raw, ENTRY_KEYS, where);
  const entry: DomainEntry = {};
  if (raw.features !== undefined) entry.features = parseFeatures(raw.features, `${where}.features`);
  if (raw.maskSelectors !== undefined) entry.maskSelectors = parseSelectors(raw.maskSelectors, `${where}.maskSelectors`);
  if (raw.blockSelectors !== undefined) entry.blockSelectors = parseSelectors(raw.blockSelectors, `${where}.blockSelectors`);
  if (raw.limits !== undefined) entry.limits = parseLimits(raw.limits, `${where}.limits`);
  if (raw.siteOrigins !== undefined) entry.siteOrigins = parseSiteOrigins(raw.siteOrigins, `${where}.siteOrigins`);
  return entry;
}

function parseSiteOrigins(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw)) throw invalid(`${where} must be an array of origins like ["https://checkout.example.com"]`);
  if (raw.length > MAX_SITE_ORIGINS) throw invalid(`${where} has ${raw.length} origins; at most ${MAX_SITE_ORIGINS}`);
  const origins = raw.map((o: unknown, i) => {
    const origin = typeof o === 'string' ? normalizeOrigin(o) : null;
    if (!origin) throw invalid(`${where}[${i}]: ${JSON.stringify(o)} is not an origin like https://checkout.example.com`);
    return origin;
  });
  return [...new Set(origins)];
}

function parseFeatures(raw: unknown, where: string): Partial<DomainFeatures> {
  if (!isRecord(raw)) throw invalid(`${where} must be an object like {"realtime": true, "replay": false}`);
  checkKeys(raw, FEATURE_KEYS, where);
  const features: Partial<DomainFeatures> = {};
  for (const key of FEATURE_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'boolean') throw invalid(`${where}.${key} must be true or false`);
    features[key] = value;
  }
  return features;
}

function parseSelectors(raw: unknown, where: string): string[] {
  if (!Array.isArray(raw)) throw invalid(`${where} must be an array of CSS selectors`);
  if (raw.length > MAX_SELECTORS) throw invalid(`${where} has ${raw.length} selectors; at most ${MAX_SELECTORS}`);
  return raw.map((s: unknown, i) => {
    if (typeof s !== 'string' || s.trim() === '' || s.length > MAX_SELECTOR_LENGTH) {
      throw invalid(`${where}[${i}] must be a non-empty CSS selector of at most ${MAX_SELECTOR_LENGTH} characters`);
    }
    return s.trim();
  });
}

function parseLimits(raw: unknown, where: string): DomainLimits {
  if (!isRecord(raw)) throw invalid(`${where} must be an object like {"sessionMaxSeconds": 3600, "maxGuests": 5}`);
  checkKeys(raw, LIMIT_KEYS, where);
  const limits: DomainLimits = {};
  for (const key of LIMIT_KEYS) {
    const value = raw[key];
    if (value === undefined) continue;
    if (!isInteger(value, 1, MAX_LIMIT)) throw invalid(`${where}.${key} must be a positive integer (at most ${MAX_LIMIT}), got ${JSON.stringify(value)}`);
    limits[key] = value;
  }
  return limits;
}

function checkKeys(raw: Record<string, unknown>, known: readonly string[], where: string): void {
  const unknown = Object.keys(raw).find((k) => !known.includes(k));
  if (unknown !== undefined) throw invalid(`${where}: unknown key "${unknown}" (expected ${known.map((k) => `"${k}"`).join(', ')})`);
}

function union(a: readonly string[] = [], b: readonly string[] = []): string[] {
  return [...new Set([...a, ...b])];
}

function invalid(message: string): CwmnError {
  return new CwmnError(ErrorCode.INVALID_PARAMS, message);
}
