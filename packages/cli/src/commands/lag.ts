import { LagConfigError, parseLinkSettings } from '@meridian/lag';
import type { Command } from 'commander';
import {
  type LoadedTopology,
  UsageError,
  action,
  exitCodesForUsage,
  findRegion,
  httpCall,
  loadTopology,
  regionUrl,
  resolveSecrets,
} from './topology-shared.js';

export type LagAction = 'set' | 'clear' | 'partition' | 'heal' | 'show';

export interface LagOptions {
  config?: string;
  from?: string;
  to?: string;
  delay?: string;
  jitter?: string;
  jitterMode?: string;
  json: boolean;
}

export interface LagReport {
  readonly region: string;
  readonly links: readonly Record<string, unknown>[] | undefined;
  readonly error: string | undefined;
}

const ACTIONS: readonly LagAction[] = ['set', 'clear', 'partition', 'heal', 'show'];

/** Parameters of each jitter distribution, in the order the `name:a:b` shorthand gives them. */
const JITTER_PARAMETERS: Record<string, readonly string[]> = {
  fixed: ['valueMs'],
  uniform: ['minMs', 'maxMs'],
  normal: ['meanMs', 'stddevMs'],
  exponential: ['meanMs'],
  pareto: ['scaleMs', 'shape', 'maxMs'],
};

/** `exponential:4`, `uniform:0:10`, `normal:20:5`… or a JSON object as in regions.yaml. */
export function parseJitter(text: string): Record<string, unknown> {
  if (text.trim().startsWith('{')) {
    try {
      return JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new UsageError(`--jitter: not valid JSON: ${text}`);
    }
  }
  const [name = '', ...values] = text.split(':');
  const parameters = JITTER_PARAMETERS[name];
  if (
    parameters === undefined ||
    (values.length !== parameters.length && !(name === 'pareto' && values.length === 2)) ||
    values.some((v) => !Number.isFinite(Number(v)))
  ) {
    throw new UsageError(
      `--jitter must look like exponential:4, uniform:0:10, normal:20:5, fixed:3, pareto:2:1.5[:maxMs] or JSON; got "${text}"`,
    );
  }
  return Object.fromEntries([
    ['distribution', name],
    ...parameters.slice(0, values.length).map((parameter, i) => [parameter, Number(values[i])]),
  ]);
}

export function lagRequestBody(verb: LagAction, options: LagOptions, loaded: LoadedTopology): Record<string, unknown> {
  const body: Record<string, unknown> = { action: verb };
  if (options.from !== undefined) body['from'] = findRegion(loaded.config, options.from).name;
  if (options.to !== undefined) body['to'] = findRegion(loaded.config, options.to).name;
  if (verb === 'partition' && (options.from === undefined || options.to === undefined)) {
    throw new UsageError('partition needs --from <region> and --to <region>');
  }
  if (verb !== 'set') {
    if (options.delay !== undefined || options.jitter !== undefined || options.jitterMode !== undefined) {
      throw new UsageError(`--delay, --jitter and --jitter-mode go with \`lag set\`, not \`lag ${verb}\``);
    }
    return body;
  }
  if (options.delay === undefined && options.jitter === undefined && options.jitterMode === undefined) {
    throw new UsageError('lag set needs --delay <ms>, --jitter <spec> or --jitter-mode <mode>');
  }
  if (options.delay !== undefined) {
    const delayMs = Number(options.delay);
    if (options.delay.trim() === '' || !Number.isFinite(delayMs) || delayMs < 0)
      throw new UsageError(`--delay must be a number of ms ≥ 0, got "${options.delay}"`);
    body['delayMs'] = delayMs;
  }
  if (options.jitter !== undefined) body['jitter'] = parseJitter(options.jitter);
  if (options.jitterMode !== undefined) {
    if (options.jitterMode !== 'per-message' && options.jitterMode !== 'per-link')
      throw new UsageError('--jitter-mode must be per-message or per-link');
    body['jitterMode'] = options.jitterMode;
  }
  // The same rules as regions.yaml and the nodes' /_meridian/lag: refuse here, before any node sees it.
  try {
    parseLinkSettings({ delayMs: body['delayMs'], jitter: body['jitter'], jitterMode: body['jitterMode'] }, 'lag');
  } catch (error) {
    if (!(error instanceof LagConfigError)) throw error;
    const option = error.field.startsWith('lag.delayMs')
      ? '--delay'
      : error.field.startsWith('lag.jitter')
        ? '--jitter'
        : '--jitter-mode';
    throw new UsageError(`${option}: ${error.field.replace(/^lag\./, '')} ${error.problem}`);
  }
  return body;
}

/** Sends the change to every node's /_meridian/lag (GET for `show`), in parallel. */
export async function changeLag(verb: LagAction, options: LagOptions): Promise<LagReport[]> {
  if (!ACTIONS.includes(verb)) throw new UsageError(`unknown action "${verb}" (use ${ACTIONS.join(', ')})`);
  const loaded = loadTopology(options.config);
  const body = verb === 'show' ? undefined : JSON.stringify(lagRequestBody(verb, options, loaded));
  const secrets = resolveSecrets(loaded, false);
  const token = secrets.adminToken ?? secrets.token;
  return Promise.all(
    loaded.config.regions.map(async (region): Promise<LagReport> => {
      try {
        const call = body === undefined ? { token } : { token, method: 'POST', body };
        const answer = await httpCall(`${regionUrl(region, loaded.config)}/_meridian/lag`, call, region.name);
        const parsed = JSON.parse(answer.body) as { links?: Record<string, unknown>[]; error?: string };
        if (answer.status !== 200)
          return { region: region.name, links: undefined, error: parsed.error ?? `answered ${answer.status}` };
        return { region: region.name, links: parsed.links ?? [], error: undefined };
      } catch (error) {
        return { region: region.name, links: undefined, error: (error as Error).message };
      }
    }),
  );
}

function describeLink(link: Record<string, unknown>): string {
  const delay = link['delayMs'] ?? link['baseDelayMs'];
  const parts = [`${String(link['from'] ?? '?')} → ${String(link['to'] ?? '?')}`];
  if (typeof delay === 'number') parts.push(`delay ${Math.round(delay * 10) / 10} ms`);
  const jitter = link['jitter'] as Record<string, unknown> | undefined;
  const noJitter = jitter === undefined || (jitter['distribution'] === 'fixed' && jitter['valueMs'] === 0);
  if (!noJitter) parts.push(`jitter ${JSON.stringify(jitter)}`);
  if (typeof link['jitterMode'] === 'string') parts.push(link['jitterMode']);
  if (link['partitioned'] === true) parts.push('PARTITIONED');
  if (link['stalled'] === true) parts.push('STALLED');
  return parts.join(', ');
}

export function formatLagReports(reports: readonly LagReport[]): string {
  const lines: string[] = [];
  for (const report of reports) {
    if (report.error !== undefined) lines.push(`${report.region}: ERROR ${report.error}`);
    else if (report.links === undefined || report.links.length === 0) lines.push(`${report.region}: no outgoing links`);
    else for (const link of report.links) lines.push(`${report.region}: ${describeLink(link)}`);
  }
  return lines.join('\n');
}

export function registerLagCommand(program: Command): void {
  const command = program
    .command('lag')
    .description('change (or show) the simulated network between regions at run time, on every node')
    .argument('<action>', 'set | clear | partition | heal | show')
    .option('--from <region>', 'the sending side of the link (default: every region)')
    .option('--to <region>', 'the receiving side of the link (default: every region)')
    .option('--delay <ms>', 'set: one-way base delay in ms')
    .option('--jitter <spec>', 'set: exponential:4, uniform:0:10, normal:20:5, fixed:3, pareto:2:1.5, or JSON')
    .option('--jitter-mode <mode>', 'set: per-message | per-link')
    .option('--config <path>', 'topology file (default: ./regions.yaml, else the built-in default)')
    .option('--json', "print every node's answer as JSON", false)
    .addHelpText(
      'after',
      `
set changes delay/jitter, clear returns links to regions.yaml, partition drops everything on a link,
heal ends a partition. Exit code 1 if any node could not apply the change.

Examples:
  $ meridian lag set --from us-east-1 --to ap-southeast-1 --delay 300
  $ meridian lag set --from us-east-1 --to eu-west-1 --jitter exponential:20
  $ meridian lag partition --from us-east-1 --to eu-west-1
  $ meridian lag heal --from us-east-1 --to eu-west-1
  $ meridian lag clear
  $ meridian lag show`,
    );
  exitCodesForUsage(command);
  command.action(
    action(command, async (verb: string, options: LagOptions) => {
      const reports = await changeLag(verb as LagAction, options);
      console.log(options.json ? JSON.stringify(reports, null, 2) : formatLagReports(reports));
      if (reports.some((report) => report.error !== undefined)) process.exitCode = 1;
    }),
  );
}
