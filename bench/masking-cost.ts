// The cost of masking on the 2k-node benchmark page: rrweb full snapshot time
// with the project's masking options (every input value through maskInputFn,
// mask and block selectors) against plain rrweb, in the same page.

import { build } from 'esbuild';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { ROOT } from '../test/e2e/harness.js';

export interface MaskingCost {
  maskedMs: number[];
  plainMs: number[];
}

export async function measureMaskingCost(browser: Browser, siteUrl: string, nodes: number, rounds: number): Promise<MaskingCost> {
  const bundle = await build({
    entryPoints: [join(ROOT, 'bench/masking-probe.ts')], bundle: true, write: false, format: 'iife', target: ['es2020'], logLevel: 'warning',
  });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(`${siteUrl}/bench-page.html?nodes=${nodes}`);
    await page.addScriptTag({ content: bundle.outputFiles[0]!.text });
    const r = await page.evaluate((n) => (window as unknown as { __maskingCost: (n: number) => { masked: number[]; plain: number[] } }).__maskingCost(n), rounds);
    return { maskedMs: r.masked, plainMs: r.plain };
  } finally {
    await context.close();
  }
}
