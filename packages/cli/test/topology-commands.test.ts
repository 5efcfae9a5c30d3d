import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeridianNode } from '@meridian/node';
import { type MeridianRouter } from '@meridian/router';
import {
  formatLagReports,
  lagRequestBody,
  loadTopologyForTest,
  parseJitter,
  startRouterFromConfig,
} from './cli-exports.js';
import { REGIONS, runCli, writeTopology } from './topology-fixture.js';

const env = { MERIDIAN_TOKEN: 'cli-topology-token', MERIDIAN_ADMIN_TOKEN: 'cli-topology-admin' };
let topology: Awaited<ReturnType<typeof writeTopology>>;
const nodes: MeridianNode[] = [];
let router: MeridianRouter;

beforeAll(async () => {
  topology = await writeTopology();
  for (const [i, region] of REGIONS.entries()) {
    const node = new MeridianNode({
      token: env.MERIDIAN_TOKEN,
      adminToken: env.MERIDIAN_ADMIN_TOKEN,
      region: region.name,
      port: topology.ports[i]!,
    });
    await node.start();
    nodes.push(node);
  }
  Object.assign(process.env, env);
  router = await startRouterFromConfig({ config: topology.path });
});

afterAll(async () => {
  await router?.close();
  for (const node of nodes) await node.close();
});

describe('meridian status', () => {
  it('prints a table of every region and the router, exit 0 when all are up', async () => {
    const run = await runCli(['status', '--config', topology.path], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REGION\s+ROLE\s+EPOCH\s+HEALTH\s+APPLIED\s+LAG\s+LAG MS\s+STALENESS\s+URL$/);
    expect(lines.slice(1, -1).map((line) => line.split(/\s+/).slice(0, 4))).toEqual([
      ['us-east-1', 'primary', '0', 'up'],
      ['eu-west-1', 'primary', '0', 'up'],
      ['ap-southeast-1', 'primary', '0', 'up'],
    ]);
    expect(lines.at(-1)?.split(/\s+/).slice(0, 3)).toEqual(['router', 'router', 'up']);
  });

  it('prints JSON with --json and fails with a hint when a region is down or the token is wrong', async () => {
    const json = await runCli(['status', '--config', topology.path, '--json'], env);
    const reports = JSON.parse(json.stdout) as { region: string; healthy: boolean; status: { region: string } }[];
    expect(reports.map((report) => [report.region, report.healthy])).toContainEqual(['eu-west-1', true]);
    const wrong = await runCli(['status', '--config', topology.path], { ...env, MERIDIAN_ADMIN_TOKEN: 'nope' });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('status answered 401');
  });

  it('prints the config error with file, line and field, exit 1', async () => {
    const { path } = await writeTopology('bogus: 1\n');
    const run = await runCli(['status', '--config', path], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/regions\.yaml:\d+: bogus: unknown field/);
  });
});

describe('meridian exec', () => {
  it('sends a command to one region and says who served it', async () => {
    const set = await runCli(
      ['exec', '--config', topology.path, '--region', 'eu-west-1', 'SET', 'greeting', 'hello'],
      env,
    );
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^"OK"\n\(served by eu-west-1(, staleness 0 ms)?; sync token [0-9a-f]+:1\)\n$/);
    const range = await runCli(
      ['exec', '--config', topology.path, '--region', 'eu-west-1', 'ZRANGE', 'none', '0', '-1'],
      env,
    );
    expect(range.stdout.split('\n')[0]).toBe('(empty array)');
  });

  it('goes through the router with --via-router --from and prints JSON with --json', async () => {
    const run = await runCli(
      ['exec', '--config', topology.path, '--via-router', '--from', 'ap-southeast-1', '--json', 'ECHO', 'hi'],
      env,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 200, result: 'hi', servedBy: 'ap-southeast-1' });
    const strong = await runCli(
      [
        'exec',
        '--config',
        topology.path,
        '--via-router',
        '--from',
        'ap-southeast-1',
        '--consistency',
        'strong',
        'GET',
        'k',
      ],
      env,
    );
    expect(strong.stdout).toContain('(nil)\n(served by us-east-1');
  });

  it('exits 1 on an error reply, 2 on usage mistakes, 1 with a hint when nothing listens', async () => {
    const error = await runCli(
      ['exec', '--config', topology.path, '--region', 'us-east-1', 'INCR', 'greeting-x', 'extra'],
      env,
    );
    expect(error.code).toBe(1);
    expect(error.stdout).toContain("(error) ERR wrong number of arguments for 'incr' command");
    const both = await runCli(
      ['exec', '--config', topology.path, '--region', 'us-east-1', '--via-router', 'PING'],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('choose one target');
    const unknown = await runCli(['exec', '--config', topology.path, '--region', 'mars-1', 'PING'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown region "mars-1"');
    const { path } = await writeTopology();
    const down = await runCli(['exec', '--config', path, '--region', 'us-east-1', 'PING'], env);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach us-east-1 at http:\/\/127\.0\.0\.1:\d+ .* is `meridian up` running\?/);
  });
});

describe('meridian lag', () => {
  it('builds the admin request from flags and refuses incomplete ones', () => {
    const loaded = loadTopologyForTest(topology.path);
    expect(
      lagRequestBody('set', { from: 'us-east-1', to: 'ap-southeast-1', delay: '300', json: false }, loaded),
    ).toEqual({
      action: 'set',
      from: 'us-east-1',
      to: 'ap-southeast-1',
      delayMs: 300,
    });
    expect(lagRequestBody('heal', { json: false }, loaded)).toEqual({ action: 'heal' });
    expect(() => lagRequestBody('partition', { from: 'us-east-1', json: false }, loaded)).toThrow(
      'partition needs --from',
    );
    expect(() => lagRequestBody('set', { json: false }, loaded)).toThrow('lag set needs');
    expect(() => lagRequestBody('clear', { delay: '5', json: false }, loaded)).toThrow('go with `lag set`');
    expect(parseJitter('uniform:0:10')).toEqual({ distribution: 'uniform', minMs: 0, maxMs: 10 });
    expect(() => parseJitter('zipf:3')).toThrow('--jitter must look like');
  });

  it('refuses lag values past regions.yaml’s bounds before sending anything, naming the field', () => {
    const loaded = loadTopologyForTest(topology.path);
    const set = (options: { delay?: string; jitter?: string }) => () =>
      lagRequestBody('set', { ...options, json: false }, loaded);
    expect(set({ jitter: '{"distribution":"fixed","valueMs":1e308}' })).toThrow(
      '--jitter: jitter.valueMs must be between 0 and 3600000, got 1e+308',
    );
    expect(set({ delay: '1e12' })).toThrow('--delay: delayMs must be between 0 and 3600000');
    expect(set({ jitter: 'pareto:10:0.5:4000000' })).toThrow('--jitter: jitter.maxMs must be between 10 and 3600000');
    expect(lagRequestBody('set', { jitter: 'pareto:10:0.5', json: false }, loaded)).toEqual({
      action: 'set',
      jitter: { distribution: 'pareto', scaleMs: 10, shape: 0.5 },
    });
  });

  it("prints each node's links, and the error of a node that could not apply the change", () => {
    const text = formatLagReports([
      {
        region: 'us-east-1',
        links: [
          {
            from: 'us-east-1',
            to: 'eu-west-1',
            delayMs: 37.64,
            jitter: { distribution: 'fixed', valueMs: 0 },
            partitioned: true,
          },
          {
            from: 'us-east-1',
            to: 'ap-southeast-1',
            delayMs: 300,
            jitter: { distribution: 'exponential', meanMs: 4 },
            jitterMode: 'per-link',
          },
        ],
        error: undefined,
      },
      { region: 'eu-west-1', links: undefined, error: 'cannot reach eu-west-1' },
    ]);
    expect(text.split('\n')).toEqual([
      'us-east-1: us-east-1 → eu-west-1, delay 37.6 ms, PARTITIONED',
      'us-east-1: us-east-1 → ap-southeast-1, delay 300 ms, jitter {"distribution":"exponential","meanMs":4}, per-link',
      'eu-west-1: ERROR cannot reach eu-west-1',
    ]);
  });

  it('exits 2 for usage mistakes', async () => {
    const run = await runCli(['lag', 'set', '--config', topology.path, '--from', 'us-east-1', '--delay', 'soon'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--delay must be a number of ms');
    const verb = await runCli(['lag', 'wobble', '--config', topology.path], env);
    expect(verb.code).toBe(2);
  });
});
