import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SupervisedProcess, loadTopologyForTest, resolveSecrets, secretsPath } from './cli-exports.js';
import { writeTopology } from './topology-fixture.js';

function supervised(script: string, lines: string[], restartsMax = 2): SupervisedProcess {
  return new SupervisedProcess({
    name: 'test-child',
    args: ['-e', script],
    env: process.env,
    restartsMax,
    restartDelayMsFirst: 20,
    restartDelayMsMax: 100,
    stableMs: 60_000,
    log: (line) => lines.push(line),
  });
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('supervised children (meridian up)', () => {
  it('restarts a crashing child with backoff, says so, and gives up after the budget', async () => {
    const lines: string[] = [];
    const child = supervised('console.log("hello"); process.exit(3)', lines);
    child.start();
    await until(() => child.gaveUp);
    expect(lines.filter((line) => line === '[test-child] hello')).toHaveLength(3);
    expect(lines).toContain('meridian: test-child exited with code 3; restarting in 0.0 s (restart 1 of 2)');
    expect(lines).toContain('meridian: test-child exited with code 3; restarting in 0.0 s (restart 2 of 2)');
    expect(lines.at(-1)).toMatch(/^meridian: test-child exited with code 3; gave up after 2 restarts/);
    expect(child.recentOutput).toEqual(['hello', 'hello', 'hello']);
  });

  it('stops with SIGTERM, and SIGKILLs a child that ignores it', async () => {
    const lines: string[] = [];
    const polite = supervised('setInterval(() => {}, 1000)', lines);
    polite.start();
    const politePid = polite.pid!;
    await polite.stop(5_000);
    expect(() => process.kill(politePid, 0)).toThrow();
    const stubborn = supervised(
      'process.on("SIGTERM", () => console.log("ignored")); setInterval(() => {}, 1000); console.log("ready")',
      lines,
    );
    stubborn.start();
    await until(() => stubborn.recentOutput.includes('ready'));
    const pid = stubborn.pid!;
    const started = Date.now();
    await stubborn.stop(300);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(() => process.kill(pid, 0)).toThrow();
    expect(lines).toContain('meridian: test-child did not stop within 300 ms; killing it');
    expect(lines.some((line) => line.includes('restarting'))).toBe(false);
  });
});

describe('secrets', () => {
  it('generates missing tokens once into <dataDir>/secrets.json (0600) and keeps them; the environment wins', async () => {
    const { path } = await writeTopology();
    const first = resolveSecrets(loadTopologyForTest(path, {}), true);
    expect(Object.keys(first).sort()).toEqual(['adminToken', 'readonlyToken', 'replicationSecret', 'token']);
    const loaded = loadTopologyForTest(path, {});
    const file = secretsPath(loaded.dataDir);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(first);
    expect(resolveSecrets(loadTopologyForTest(path, {}), true)).toEqual(first);
    const overridden = resolveSecrets(loadTopologyForTest(path, { MERIDIAN_TOKEN: 'from-env' }), true);
    expect(overridden).toEqual({ ...first, token: 'from-env' });
    expect(resolveSecrets(loadTopologyForTest(path, {}), false)).toEqual(first);
  });
});
