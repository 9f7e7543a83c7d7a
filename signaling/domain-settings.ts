// The per-domain settings of a running server: the settings file read at
// start (a bad file stops the start), re-read whenever it changes on disk
// (a bad edit is logged and the last good version stays), and the rules of
// each origin resolved from it.

import fs from 'node:fs';
import { CwmnError, ErrorCode, type DomainFeatures } from '../src/protocol/index.js';
import type { LogFn } from './config.js';
import {
  EMPTY_DOMAINS_FILE, parseDomainsFile, resolveRules, type BaseRules, type DomainRules, type DomainsFile,
} from './domains-file.js';
import { normalizeOrigin, type OriginSet } from './origins.js';

/** HTTP status of a request for a feature the domain's settings turn off. */
export const FEATURE_DISABLED_STATUS = 403;

/** A session kind the domain's settings turn off (`ERR_NOT_SUPPORTED`; answered with 403 over HTTP). */
export class FeatureDisabledError extends CwmnError {
  constructor(feature: keyof DomainFeatures) {
    super(ErrorCode.NOT_SUPPORTED, `${feature === 'replay' ? 'Replay' : 'Realtime'} sessions are not enabled for this domain`);
  }
}

/** What `DomainSettings` needs. */
export interface DomainSettingsOptions {
  /** Path of the settings file (`CWMN_DOMAINS_FILE`); null: no file, every origin gets the defaults. */
  file: string | null;
  /** The server's defaults, under the file's. */
  base: BaseRules;
  log: LogFn;
}

/** The settings file, kept current; answers what applies to an origin. */
export class DomainSettings {
  private current: DomainsFile;
  /** Identity of the file version last read (good or bad), so a bad one is reported once. */
  private seen: string;

  /** Reads the file; throws `ERR_INVALID_PARAMS` (naming the file and the bad key) when it is missing or invalid. */
  constructor(private readonly options: DomainSettingsOptions) {
    const { file } = options;
    if (file === null) {
      this.current = EMPTY_DOMAINS_FILE;
      this.seen = '';
      return;
    }
    this.seen = versionOf(file);
    try {
      this.current = parseDomainsFile(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new CwmnError(ErrorCode.INVALID_PARAMS, `CWMN_DOMAINS_FILE ${file}: ${(err as Error).message}`);
    }
    options.log(`domains: ${describe(this.current)} from ${file}`);
  }

  /** Origins the file lists by name or as a listed origin's `siteOrigins` (allowed to host, like `CWMN_ALLOWED_ORIGINS`). */
  listedOrigins(): OriginSet {
    return this.file().hosting;
  }

  /** The rules of `origin` (any spelling; none or not an origin: the defaults). */
  rulesFor(origin: string | null | undefined): DomainRules {
    return resolveRules(this.file(), normalizeOrigin(origin), this.options.base);
  }

  /** Throws `FeatureDisabledError` when `origin` may not start sessions of kind `feature`; returns its rules. */
  requireFeature(origin: string | null | undefined, feature: keyof DomainFeatures): DomainRules {
    const rules = this.rulesFor(origin);
    if (!rules.features[feature]) throw new FeatureDisabledError(feature);
    return rules;
  }

  /**
   * The file as it is now. A stat per call (microseconds) notices every change,
   * including an editor's write-and-rename, without a watcher to manage.
   */
  private file(): DomainsFile {
    const { file, log } = this.options;
    if (file === null) return this.current;
    const version = versionOf(file);
    if (version === this.seen) return this.current;
    this.seen = version;
    if (version === MISSING) {
      log(`domains: cannot read ${file}; keeping the settings read before`);
      return this.current;
    }
    try {
      this.current = parseDomainsFile(fs.readFileSync(file, 'utf8'));
      log(`domains: reloaded ${describe(this.current)} from ${file}`);
    } catch (err) {
      log(`domains: ${file} not reloaded, keeping the settings read before: ${(err as Error).message}`);
    }
    return this.current;
  }
}

/** The version of a file that cannot be read. */
const MISSING = 'missing';

/** What identifies one version of the file (`MISSING` when it cannot be read). */
function versionOf(file: string): string {
  try {
    const s = fs.statSync(file, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return MISSING;
  }
}

function describe(file: DomainsFile): string {
  const n = file.origins.size;
  return `${n} origin${n === 1 ? '' : 's'}${Object.keys(file.defaults).length > 0 ? ' and defaults' : ''}`;
}
