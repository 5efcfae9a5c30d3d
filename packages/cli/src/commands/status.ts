import type { Command } from 'commander';
import {
  type LoadedTopology,
  action,
  exitCodesForUsage,
  httpCall,
  loadTopology,
  regionUrl,
  resolveSecrets,
  routerUrl,
} from './topology-shared.js';

export interface RegionReport {
  readonly region: string;
  readonly url: string;
  readonly configuredRole: 'primary' | 'replica' | 'router';
  readonly reachable: boolean;
  readonly healthy: boolean;
  readonly status: Record<string, unknown> | undefined;
  readonly error: string | undefined;
}

const STATUS_TIMEOUT_MS = 2000;

async function fetchStatus(
  name: string,
  url: string,
  token: string | undefined,
): Promise<Omit<RegionReport, 'configuredRole'>> {
  try {
    const answer = await httpCall(`${url}/_meridian/status`, { token, timeoutMs: STATUS_TIMEOUT_MS }, name);
    if (answer.status !== 200) {
      const hint =
        answer.status === 401 ? ' (set MERIDIAN_ADMIN_TOKEN, or run where `meridian up` keeps its secrets.json)' : '';
      return {
        region: name,
        url,
        reachable: true,
        healthy: false,
        status: undefined,
        error: `status answered ${answer.status}${hint}`,
      };
    }
    const status = JSON.parse(answer.body) as Record<string, unknown>;
    return {
      region: name,
      url,
      reachable: true,
      healthy: status['ready'] !== false && status['healthy'] !== false,
      status,
      error: undefined,
    };
  } catch (error) {
    return { region: name, url, reachable: false, healthy: false, status: undefined, error: (error as Error).message };
  }
}

/** Every region's `/_meridian/status` and the router's, fetched in parallel. */
export async function collectStatus(loaded: LoadedTopology): Promise<RegionReport[]> {
  const secrets = resolveSecrets(loaded, false);
  const token = secrets.adminToken ?? secrets.token;
  const { config } = loaded;
  const regions = config.regions.map(async (region) => ({
    ...(await fetchStatus(region.name, regionUrl(region, config), token)),
    configuredRole: region.name === config.primary ? ('primary' as const) : ('replica' as const),
  }));
  const router = fetchStatus('router', routerUrl(config), token).then((report) => ({
    ...report,
    configuredRole: 'router' as const,
  }));
  return Promise.all([...regions, router]);
}

function cell(value: unknown, suffix = ''): string {
  return typeof value === 'number' && Number.isFinite(value) ? `${Math.round(value)}${suffix}` : '-';
}

/** Replication lag in ms of `region` as the primary reports it (its replicas list), when it does. */
function lagMsOf(reports: readonly RegionReport[], report: RegionReport): unknown {
  if (report.status?.['lagMs'] !== undefined) return report.status['lagMs'];
  const primary = reports.find((candidate) => candidate.configuredRole === 'primary');
  const replicas = primary?.status?.['replicas'];
  if (!Array.isArray(replicas)) return undefined;
  const entry = replicas.find(
    (item: unknown) => (item as Record<string, unknown> | null)?.['region'] === report.region,
  ) as Record<string, unknown> | undefined;
  return entry?.['lagMs'];
}

export function formatStatusTable(reports: readonly RegionReport[]): string {
  const header = ['REGION', 'ROLE', 'EPOCH', 'HEALTH', 'APPLIED', 'LAG', 'LAG MS', 'STALENESS', 'URL'];
  const rows = reports.map((report) => {
    const status = report.status ?? {};
    // With automatic failover, a primary without a lease from a majority takes no writes: say so.
    const election = status['election'] as { leaseHeld?: unknown } | undefined;
    const reported = typeof status['role'] === 'string' ? status['role'] : report.configuredRole;
    const role = reported === 'primary' && election?.leaseHeld === false ? 'primary (no lease)' : reported;
    const health = !report.reachable ? 'down' : report.healthy ? 'up' : 'unhealthy';
    const isRouter = report.configuredRole === 'router';
    const offsets = (status['offsets'] ?? {}) as Record<string, unknown>;
    return [
      report.region,
      role,
      isRouter ? '' : cell(status['epoch']),
      health,
      isRouter ? '' : cell(status['appliedOffset'] ?? offsets['applied']),
      isRouter ? '' : cell(status['lagOffsets'], ' ops'),
      isRouter ? '' : cell(lagMsOf(reports, report), ' ms'),
      isRouter
        ? ''
        : cell(status['stalenessMs'] ?? (report.healthy && report.configuredRole === 'primary' ? 0 : undefined), ' ms'),
      report.url,
    ];
  });
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const problems = reports
    .filter((report) => report.error !== undefined)
    .map((report) => `  ${report.region}: ${report.error}`);
  return [line(header), ...rows.map(line), ...(problems.length > 0 ? ['', 'problems:', ...problems] : [])].join('\n');
}

export function registerStatusCommand(program: Command): void {
  const command = program
    .command('status')
    .description('show every region (role, applied offset, lag, staleness, health) and the router')
    .option('--config <path>', 'topology file (default: ./regions.yaml, else the built-in default)')
    .option('--json', 'print the raw status of every region as JSON', false)
    .addHelpText(
      'after',
      `
Exit code 0 when every region and the router answer and are ready, 1 otherwise.

Examples:
  $ meridian status
  $ meridian status --config regions.yaml --json`,
    );
  exitCodesForUsage(command);
  command.action(
    action(command, async (options: { config?: string; json: boolean }) => {
      const reports = await collectStatus(loadTopology(options.config));
      if (options.json) console.log(JSON.stringify(reports, null, 2));
      else console.log(formatStatusTable(reports));
      if (reports.some((report) => !report.healthy)) {
        if (!options.json && reports.every((report) => !report.reachable)) {
          console.error('meridian status: nothing answers — start the topology with `meridian up` (or `npm start`)');
        }
        process.exitCode = 1;
      }
    }),
  );
}
