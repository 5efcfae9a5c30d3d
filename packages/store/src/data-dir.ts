import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StoreError } from './errors.js';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Creates `dir` if needed and proves it is writable by writing a probe file, so a bad data
 * directory fails at startup with its path rather than at the first commit.
 */
export function ensureWritableDir(dir: string): string {
  const path = resolve(dir);
  try {
    mkdirSync(path, { recursive: true });
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
