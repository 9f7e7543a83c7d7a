// Writing a file so that a crash leaves either the old or the new content,
// never half of one: a temporary file in the same directory, flushed to disk,
// then renamed over the target. Files are private to the server (mode 600).

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

function tempFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
}

/** Removes the temporary files a killed process left behind while writing `file`. */
export function removeLeftoverTemporaries(file: string): void {
  const prefix = `.${path.basename(file)}.`;
  const dir = path.dirname(file);
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(prefix) && name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
  }
}

/** Writes `data` to `file` atomically, synchronously (for write-through state). */
export function writeFileAtomicSync(file: string, data: string): void {
  const tmp = tempFor(file);
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

/** Writes `data` to `file` atomically, without blocking the event loop. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = tempFor(file);
  const handle = await fsp.open(tmp, 'w', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fsp.rename(tmp, file);
}
