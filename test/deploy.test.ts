import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '@meridian/cli';
import { parseTopology, regionBaseUrl, regionBind } from '@meridian/topology';

/**
 * The container files cannot be built here (no container daemon), so they are kept in step with the
 * CLI: every command line they run parses with the CLI's own options, every config they mount is a
 * valid regions.yaml whose urls name the services, and every environment variable is one Meridian reads.
 */
const root = new URL('../', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8');
const config = parseTopology(read('deploy/regions.compose.yaml'), 'deploy/regions.compose.yaml');
const program = buildProgram();
const VARIABLES = new Set([
  'MERIDIAN_TOKEN',
  'MERIDIAN_ADMIN_TOKEN',
  'MERIDIAN_REPLICATION_SECRET',
  'MERIDIAN_READONLY_TOKEN',
  'MERIDIAN_METRICS_TOKEN',
  'MERIDIAN_PORT',
]);

/** Checks a `meridian …` argument list against the CLI: a known command, known options, a known region. */
function checkCommandLine(args: readonly string[]): void {
  const command = program.commands.find((candidate: Command) => candidate.name() === args[0]);
  expect(command, `meridian ${args.join(' ')}`).toBeDefined();
  const known = new Set((command as Command).options.map((option) => option.long));
  for (const arg of args.slice(1))
    if (arg.startsWith('--')) expect(known, `option ${arg} of meridian ${args[0]}`).toContain(arg);
  const value = (name: string): string | undefined => args[args.indexOf(name) + 1];
  expect(value('--config')).toBe('/config/regions.yaml');
  if (args[0] === 'node') {
    expect(config.regions.map((r) => r.name)).toContain(value('--region'));
    expect(value('--data-dir')).toBe('/data');
  }
}

describe('deploy/: Dockerfile, compose and Kubernetes files match the CLI', () => {
  it('the mounted regions.yaml is valid: each region binds 0.0.0.0:7701 and is reached at its service name', () => {
    for (const region of config.regions) {
      expect(regionBind(region)).toEqual({ host: '0.0.0.0', port: 7701 });
      expect(regionBaseUrl(region)).toBe(`http://${region.name}:7701`);
    }
  });

  it('the Dockerfile runs the CLI, as a non-root user, with a health check on /_meridian/health', () => {
    const dockerfile = read('deploy/Dockerfile');
    expect(existsSync(new URL('packages/cli/bin/meridian.js', root))).toBe(true);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "packages/cli/bin/meridian.js"]');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('/_meridian/health');
    expect(dockerfile).toMatch(/^EXPOSE 7701 8701$/m);
    const cmd = JSON.parse(/^CMD (.+)$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    checkCommandLine(cmd);
  });

  it('compose runs every region and the router with valid command lines and known variables', () => {
    const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
      services: Record<string, { command: string[]; environment?: Record<string, string> }>;
    };
    const names = Object.keys(compose.services);
    expect(names.sort()).toEqual([...config.regions.map((r) => r.name), 'router'].sort());
    for (const [name, service] of Object.entries(compose.services)) {
      checkCommandLine(service.command);
      if (name !== 'router') expect(service.command[service.command.indexOf('--region') + 1]).toBe(name);
      for (const variable of Object.keys(service.environment ?? {})) expect(VARIABLES).toContain(variable);
    }
  });

  it('Kubernetes: a StatefulSet and Service per region, and the router, with valid command lines', () => {
    const documents = read('deploy/kubernetes/meridian.yaml')
      .split(/^---$/m)
      .map(
        (text) => parse(text) as { kind?: string; metadata?: { name: string }; spec?: Record<string, unknown> } | null,
      )
      .filter((doc) => doc !== null && doc.kind !== undefined);
    const sets = documents.filter((doc) => doc?.kind === 'StatefulSet');
    expect(sets.map((doc) => doc?.metadata?.name).sort()).toEqual(config.regions.map((r) => r.name).sort());
    const services = documents.filter((doc) => doc?.kind === 'Service').map((doc) => doc?.metadata?.name);
    for (const region of config.regions) expect(services).toContain(region.name);
    for (const doc of documents) {
      const template = doc?.spec?.['template'] as { spec: { containers: { args: string[] }[] } } | undefined;
      for (const container of template?.spec.containers ?? []) checkCommandLine(container.args);
    }
  });
});
