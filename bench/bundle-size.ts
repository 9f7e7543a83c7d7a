// Sizes of the browser bundles as served: raw and gzip (level 9), as esbuild.mjs reports them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface BundleSize {
  file: string;
  rawBytes: number;
  gzipBytes: number;
}

/** Reads `dist/<file>` under `root` and gzips it at level 9. */
export function bundleSize(root: string, file: string): BundleSize {
  const raw = readFileSync(join(root, 'dist', file));
  return { file, rawBytes: raw.length, gzipBytes: gzipSync(raw, { level: 9 }).length };
}
