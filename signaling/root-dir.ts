// Finding the repository root (it holds `dist/` and `demo/`) from the running file.

import fs from 'node:fs';
import path from 'node:path';

/**
 * Walks up from `startDir` to the first directory holding a `package.json`.
 * Works from the sources (`signaling/`) and from the bundle (`dist/server/`).
 */
export function findRootDir(startDir: string): string {
  let dir = path.resolve(startDir);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`No package.json above ${startDir}; set CWMN_ROOT to the cwmn checkout`);
    dir = parent;
  }
}
