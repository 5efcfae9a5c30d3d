import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  EXPERIMENTS,
  experimentOptionsFromFlags,
  type ExperimentPlugin,
  registerExperimentCommand,
  stalenessExperiment,
} from '@meridian/sim';

const YAML = `version: 1
primary: us-east-1
regions:
  - { name: us-east-1, location: { lat: 38.9, lon: -77.4 }, host: 127.0.0.1, port: 17901 }
  - { name: eu-west-1, location: { lat: 53.3, lon: -6.3 }, host: 127.0.0.1, port: 17902 }
router: { port: 17900 }
`;

let dir = '';
afterEach(async () => {
  vi.restoreAllMocks();
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('meridian experiment staleness', () => {
  it('runs from flags, writes the outputs and prints the table', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-sim-cli-'));
    const config = join(dir, 'regions.yaml');
    const faults = join(dir, 'faults.yaml');
    await writeFile(config, YAML);
    await writeFile(faults, 'faults:\n  - { kind: replica-crash, atMs: 500, durationMs: 500, region: eu-west-1 }\n');
    const printed: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((text: unknown) => void printed.push(String(text)));
    const program = new Command().exitOverride();
    registerExperimentCommand(program);
    const out = join(dir, 'out');
    await program.parseAsync(
      [
        'experiment',
        'staleness',
        '--config',
        config,
        '--faults',
        faults,
        '--seed',
        '12',
        '--duration-ms',
        '2000',
        '--writes-per-second',
        '40',
        '--reads-per-second',
        '200',
        '--consistency',
        'session:1,strong:1',
        '--out',
        out,
      ],
      { from: 'user' },
    );
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as {
      seed: number;
      consistency: Record<string, unknown>;
      faults: unknown[];
    };
    expect(summary.seed).toBe(12);
    expect(Object.keys(summary.consistency)).toEqual(['session', 'strong']);
    expect(summary.faults).toHaveLength(1);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(printed.join('\n')).toMatch(/seed 12: \d+ writes/);
    expect(printed.join('\n')).toMatch(/eu-west-1/);
  });

  it('turns flags into options and refuses bad ones', async () => {
    dir = await mkdtemp(join(tmpdir(), 'meridian-sim-cli-'));
    const config = join(dir, 'regions.yaml');
    await writeFile(config, YAML);
    const options = await experimentOptionsFromFlags({
      mode: 'sim',
      config,
      out: dir,
      zipf: 0,
      valueBytes: [10, 20],
      regionWeights: { 'eu-west-1': 3 },
    });
    expect(options.workload.keyPopularity).toEqual({ kind: 'uniform' });
    expect([options.workload.valueBytesMin, options.workload.valueBytesMax]).toEqual([10, 20]);
    expect(options.replay?.configPath).toBe(config);
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined });
    registerExperimentCommand(program);
    await expect(program.parseAsync(['experiment', 'staleness', '--seed', 'x'], { from: 'user' })).rejects.toThrow(
      /number/,
    );
    await expect(program.parseAsync(['experiment', 'staleness', '--mode', 'fast'], { from: 'user' })).rejects.toThrow(
      /fast/,
    );
  });
  it('offers every experiment plug-in as a subcommand; a new experiment is one more plug-in', async () => {
    const names = (program: Command): string[] =>
      (program.commands.find((command) => command.name() === 'experiment')?.commands ?? []).map((c) => c.name());
    const standard = new Command().exitOverride();
    registerExperimentCommand(standard);
    expect(names(standard)).toEqual(EXPERIMENTS.map((plugin) => plugin.name));
    expect(names(standard)).toEqual(['staleness', 'cost', 'failover']);
    let ran = '';
    const echo: ExperimentPlugin = {
      name: 'echo',
      register: (experiment) => {
        experiment.command('echo <word>').action((word: string) => {
          ran = word;
        });
      },
    };
    const extended = new Command().exitOverride();
    registerExperimentCommand(extended, {}, [stalenessExperiment, echo]);
    expect(names(extended)).toEqual(['staleness', 'echo']);
    await extended.parseAsync(['experiment', 'echo', 'hello'], { from: 'user' });
    expect(ran).toBe('hello');
  });
});
