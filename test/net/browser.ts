// Chromium inside a network namespace, driven by Playwright. Playwright starts the
// browser through a generated script that enters the namespace first; its control
// channel is a pipe, which a namespace does not cut.

import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS } from '../e2e/harness.js';
import { tempDirPrefix } from './names.js';

/** Options of `launchInNamespace`. */
export interface NamespacedBrowserOptions {
  /**
   * Plain-http origins (`http://203.0.113.1:8080`) to treat as secure contexts, as the
   * viewer and host pages need one; tests only.
   */
  secureOrigins?: readonly string[];
  /** Extra Chromium flags, after `NAMESPACED_CHROMIUM_ARGS`. */
  args?: readonly string[];
}

/** A Chromium running in a namespace. */
export interface NamespacedBrowser {
  browser: Browser;
  ns: string;
  /** Closes the browser and removes the generated script. Idempotent. */
  close(): Promise<void>;
}

const CHROMIUM_PATH = process.env.CWMN_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * `CHROMIUM_ARGS` less `--allow-loopback-in-peer-connection`: every namespace has a
 * real interface, so it is not needed, and it does harm. In a secure context (where
 * the fake media UI grants the permission that lets Chromium gather on every
 * interface) it adds `lo`: 127.0.0.1 candidates no other namespace can reach, a TURN
 * over TCP error 701 per gathering, and a path that would join two browsers of one
 * namespace past the network under test.
 */
export const NAMESPACED_CHROMIUM_ARGS = CHROMIUM_ARGS.filter((a) => a !== '--allow-loopback-in-peer-connection');

/** Launches headless Chromium whose every socket is in network namespace `ns`. */
export async function launchInNamespace(ns: string, options: NamespacedBrowserOptions = {}): Promise<NamespacedBrowser> {
  const dir = mkdtempSync(join(tmpdir(), `${tempDirPrefix()}chromium-`));
  const script = join(dir, 'chromium');
  writeFileSync(script, `#!/bin/sh\nexec ip netns exec ${shellQuote(ns)} ${shellQuote(CHROMIUM_PATH)} "$@"\n`);
  chmodSync(script, 0o755);
  const args = [...NAMESPACED_CHROMIUM_ARGS, ...(options.args ?? [])];
  if (options.secureOrigins?.length) args.push(`--unsafely-treat-insecure-origin-as-secure=${options.secureOrigins.join(',')}`);
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: script, args });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let closed: Promise<void> | undefined;
  return {
    browser,
    ns,
    close: () => (closed ??= browser.close().finally(() => rmSync(dir, { recursive: true, force: true }))),
  };
}

function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
