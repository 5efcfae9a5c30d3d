import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { StoreError } from './errors.js';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Folder levels makeDirs creates at most (a bound on its loop). */
const DIR_DEPTH_MAX = 256;

/**
 * `mkdir -p` one level at a time. Node's own `mkdirSync(…, { recursive: true })` loops forever
 * under some pseudo-filesystems (`/proc/nope`); here every failure surfaces at once.
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  let current = resolve(dir);
  for (let depth = 0; depth < DIR_DEPTH_MAX; depth++) {
    try {
      if (statSync(current).isDirectory()) break;
      throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${current}'`), { code: 'ENOTDIR' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const path of missing.reverse()) {
    try {
      mkdirSync(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

/**
 * Creates `dir` if needed and proves it is writable by writing a probe file, so a bad data
 * directory fails at startup with its path rather than at the first commit.
 */
export function ensureWritableDir(dir: string): string {
  const path = resolve(dir);
  try {
    makeDirs(path);
  } catch (error) {
    throw new StoreError(
      'MERIDIAN_STORE_DIR_NOT_WRITABLE',
      `data directory ${path} cannot be created: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
  const probe = join(path, `.meridian-write-probe-${process.pid}`);
  try {
    writeFileSync(probe, 'probe');
    unlinkSync(probe);
  } catch (error) {
    throw new StoreError(
      'MERIDIAN_STORE_DIR_NOT_WRITABLE',
      `data directory ${path} is not writable: ${describe(error)}`,
      {
        cause: error,
      },
    );
  }
  return path;
}
