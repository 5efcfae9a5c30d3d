import type { Command } from 'commander';
import {
  UsageError,
  action,
  exitCodesForUsage,
  findRegion,
  httpCall,
  loadTopology,
  regionUrl,
  resolveSecrets,
  routerUrl,
} from './topology-shared.js';

export interface ExecOptions {
  config?: string;
  region?: string;
  viaRouter: boolean;
  from?: string;
  consistency?: string;
  syncToken?: string;
  json: boolean;
}

export interface ExecAnswer {
  readonly status: number;
  readonly result?: unknown;
  readonly error?: string;
  readonly servedBy: string | undefined;
  readonly stalenessMs: number | undefined;
  readonly syncToken: string | undefined;
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Sends one command to a region (or through the router) and returns the answer with who served it. */
export async function execCommand(argv: readonly string[], options: ExecOptions): Promise<ExecAnswer> {
  if (argv.length === 0) throw new UsageError('give a command, like: meridian exec --region us-east-1 GET greeting');
  if (options.viaRouter === (options.region !== undefined)) {
    throw new UsageError('choose one target: --region <region> or --via-router [--from <region>]');
  }
  if (!options.viaRouter && options.from !== undefined) throw new UsageError('--from needs --via-router');
  const loaded = loadTopology(options.config);
  const token = resolveSecrets(loaded, false).token;
  const headers: Record<string, string> = {};
  let base: string;
  let what: string;
  if (options.region !== undefined) {
    const region = findRegion(loaded.config, options.region);
    base = regionUrl(region, loaded.config);
    what = region.name;
  } else {
    if (options.from !== undefined) headers['x-meridian-region'] = findRegion(loaded.config, options.from).name;
    base = routerUrl(loaded.config);
    what = 'the router';
  }
  if (options.consistency !== undefined) headers['x-meridian-consistency'] = options.consistency;
  if (options.syncToken !== undefined) headers['upstash-sync-token'] = options.syncToken;
  const answer = await httpCall(`${base}/`, { method: 'POST', token, headers, body: JSON.stringify(argv) }, what);
  let parsed: { result?: unknown; error?: string };
  try {
    parsed = JSON.parse(answer.body) as { result?: unknown; error?: string };
  } catch {
    parsed = { error: `unexpected answer (${answer.status}): ${answer.body.slice(0, 200)}` };
  }
  const staleness = headerText(answer.headers['x-meridian-staleness-ms']);
  return {
    status: answer.status,
    ...('result' in parsed ? { result: parsed.result } : {}),
    ...(parsed.error === undefined ? {} : { error: parsed.error }),
    servedBy: headerText(answer.headers['x-meridian-served-by']),
    stalenessMs: staleness === undefined ? undefined : Number(staleness),
    syncToken: headerText(answer.headers['upstash-sync-token']),
  };
}

/** redis-cli's way of showing a reply. */
export function formatReply(value: unknown, indent = ''): string {
  if (value === null || value === undefined) return '(nil)';
  if (typeof value === 'number') return `(integer) ${value}`;
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '(empty array)';
    const width = String(value.length).length;
    return value
      .map((item, i) => {
        const label = `${String(i + 1).padStart(width)}) `;
        const nested = formatReply(item, indent + ' '.repeat(label.length));
        return `${i === 0 ? '' : indent}${label}${nested}`;
      })
      .join('\n');
  }
  return JSON.stringify(value);
}

export function registerExecCommand(program: Command): void {
  // Lets `meridian exec … ZRANGE k 0 -1` pass "-1" to Redis instead of parsing it as an option.
  program.enablePositionalOptions();
  const command = program
    .command('exec')
    .description('send one command to a region (or through the router) and show who served it')
    .argument('<command...>', 'the Redis command and its arguments')
    .option('--region <region>', 'send it straight to this region')
    .option('--via-router', 'send it through the geo-router', false)
    .option('--from <region>', 'with --via-router: the region the client is in (x-meridian-region)')
    .option('--consistency <level>', 'eventual | session | bounded=<ms> | strong (x-meridian-consistency)')
    .option('--sync-token <token>', 'an upstash-sync-token from an earlier answer (read-your-writes)')
    .option('--config <path>', 'topology file (default: ./regions.yaml, else the built-in default)')
    .option('--json', 'print {result|error, servedBy, stalenessMs, syncToken} as JSON', false)
    .passThroughOptions()
    .addHelpText(
      'after',
      `
Options go before the command; everything after it is passed to Redis as is.
Exit code 0 for a reply, 1 for an error reply or when the target cannot be reached, 2 for usage.

Examples:
  $ meridian exec --region us-east-1 SET greeting hello
  $ meridian exec --region ap-southeast-1 GET greeting
  $ meridian exec --via-router --from eu-west-1 --consistency strong GET greeting
  $ meridian exec --region eu-west-1 ZRANGE board 0 -1 WITHSCORES`,
    );
  exitCodesForUsage(command);
  command.action(
    action(command, async (argv: string[], options: ExecOptions) => {
      const answer = await execCommand(argv, options);
      if (options.json) console.log(JSON.stringify(answer));
      else {
        console.log(answer.error !== undefined ? `(error) ${answer.error}` : formatReply(answer.result));
        const staleness = answer.stalenessMs === undefined ? '' : `, staleness ${answer.stalenessMs} ms`;
        console.log(`(served by ${answer.servedBy ?? 'unknown'}${staleness}; sync token ${answer.syncToken ?? '-'})`);
      }
      if (answer.error !== undefined) process.exitCode = 1;
    }),
  );
}
