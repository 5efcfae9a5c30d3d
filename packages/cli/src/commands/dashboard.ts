import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { action, exitCodesForUsage, loadTopology, resolveSecrets, routerUrl } from './topology-shared.js';

export interface DashboardOptions {
  config?: string;
  open: boolean;
}

/** The dashboard's address with the admin token in the fragment (never sent to a server; the page keeps it for the tab). */
export function dashboardUrl(options: Pick<DashboardOptions, 'config'>): string {
  const loaded = loadTopology(options.config);
  const secrets = resolveSecrets(loaded, false);
  const token = secrets.adminToken ?? secrets.token;
  const base = `${routerUrl(loaded.config)}/_meridian/ui`;
  return token === undefined ? base : `${base}#token=${encodeURIComponent(token)}`;
}

/** Opens `url` with the desktop's opener (xdg-open, open, start); false when there is none. */
function openInBrowser(url: string): Promise<boolean> {
  const opener =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  return new Promise((resolve) => {
    const child = spawn(opener[0] as string, opener[1] as string[], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

export function registerDashboardCommand(program: Command): void {
  const command = program
    .command('dashboard')
    .description('open the live dashboard of the running topology (the router’s /_meridian/ui) in a browser')
    .option('--config <path>', 'topology file (default: ./regions.yaml, else the built-in default)')
    .option('--no-open', 'only print the address (it carries the admin token after #)')
    .addHelpText('after', '\nExamples:\n  $ npm start            # in one terminal\n  $ npx meridian dashboard');
  exitCodesForUsage(command);
  command.action(
    action(command, async (options: DashboardOptions) => {
      const url = dashboardUrl(options);
      const opened = options.open && (await openInBrowser(url));
      console.log(opened ? `opened ${url}` : url);
    }),
  );
}
