import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/meridian.js', import.meta.url));

/** Runs the bin to its end: exit code and stderr. */
async function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr };
}

describe('meridian calibrate', () => {
  it('refuses a count that is not a whole number in range as a usage error (exit 2), naming the flag', async () => {
    for (const bad of [
      ['--path-writes', 'many'],
      ['--path-writes', '19'],
      ['--path-writes', '100001'],
      ['--load-processes', '-1'],
      ['--load-processes', '2.5'],
    ]) {
      const { code, stderr } = await run(['calibrate', '--out', '/dev/null', ...bad]);
      expect(code, stderr).toBe(2);
      expect(stderr).toContain(`option '${bad[0]} <count>' argument '${bad[1]}' is invalid`);
      expect(stderr).toMatch(/must be a whole number from \d+ to \d+/);
    }
  });

  it('refuses a --config it cannot read or that is invalid as a usage error (exit 2), before measuring', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'meridian-calibrate-config-'));
    try {
      const missing = await run(['calibrate', '--out', '/dev/null', '--config', join(dir, 'none.yaml')]);
      expect(missing.code, missing.stderr).toBe(2);
      expect(missing.stderr).toContain(`cannot read ${join(dir, 'none.yaml')}: no such file`);
      const invalid = join(dir, 'regions.yaml');
      await writeFile(invalid, 'version: 1\nprimary: a\nregions: []\n');
      const bad = await run(['calibrate', '--out', '/dev/null', '--config', invalid]);
      expect(bad.code, bad.stderr).not.toBe(0);
      expect(bad.stderr).toContain('regions: must be a non-empty list of regions');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
