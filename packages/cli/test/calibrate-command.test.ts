import { spawn } from 'node:child_process';
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
});
