import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRootDir } from '../../../signaling/root-dir.js';

describe('findRootDir', () => {
  it('walks up to the directory with package.json (sources and bundle alike)', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cwmn-root-'));
    try {
      fs.writeFileSync(path.join(root, 'package.json'), '{}');
      fs.mkdirSync(path.join(root, 'dist', 'server'), { recursive: true });
      fs.mkdirSync(path.join(root, 'signaling'));
      expect(findRootDir(path.join(root, 'dist', 'server'))).toBe(root);
      expect(findRootDir(path.join(root, 'signaling'))).toBe(root);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
