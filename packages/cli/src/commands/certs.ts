import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { MeridianError } from '@meridian/engine';
import { regionBaseUrl, type TopologyConfig } from '@meridian/topology';
import { action, exitCodesForUsage, loadTopology } from './topology-shared.js';

export interface CertsOptions {
  config?: string;
  out: string;
  days: number;
  force?: boolean;
}

export interface IssuedCerts {
  readonly dir: string;
  readonly ca: string;
  /** Certificate and key per region and for the router ("router"). */
  readonly leaves: Readonly<Record<string, { cert: string; key: string; names: string[] }>>;
}

function openssl(args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const failed = error as { code?: string; stderr?: Buffer };
    if (failed.code === 'ENOENT') {
      throw new MeridianError('MERIDIAN_CERTS_NO_OPENSSL', 'openssl is not installed (apt-get install openssl)');
    }
    throw new MeridianError(
      'MERIDIAN_CERTS_FAILED',
      `openssl ${args[0]} failed: ${failed.stderr?.toString('utf8').trim() ?? String(error)}`,
    );
  }
}

/** The names a certificate must carry for a host: DNS or IP entries, plus loopback for local runs. */
function subjectAltNames(hosts: readonly string[]): string[] {
  const names = new Set<string>(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  for (const host of hosts) {
    const bare = host.replace(/^\[(.*)\]$/, '$1');
    if (bare === '' || bare === '0.0.0.0' || bare === '::') continue;
    names.add(isIP(bare) === 0 ? `DNS:${bare}` : `IP:${bare}`);
  }
  return [...names];
}

/**
 * A local CA and one certificate per region and for the router, for testing TLS (`meridian certs`):
 * ECDSA P-256, signed by the CA, usable as server and as client certificates (the replication link
 * may ask replicas for one), naming every host the topology reaches the node at.
 */
export function issueCerts(config: TopologyConfig, dir: string, days: number, force = false): IssuedCerts {
  const out = resolve(dir);
  const ca = join(out, 'ca.pem');
  const caKey = join(out, 'ca-key.pem');
  if (existsSync(ca) && !force) {
    throw new MeridianError('MERIDIAN_CERTS_EXIST', `${ca} exists; pass --force to issue a new CA and certificates`);
  }
  mkdirSync(out, { recursive: true, mode: 0o700 });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    caKey,
    '-out',
    ca,
    '-days',
    String(days),
    '-subj',
    '/CN=Meridian test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const subjects: [string, string[]][] = [
    ...config.regions.map((region): [string, string[]] => {
      const hosts = [region.host, new URL(regionBaseUrl(region)).hostname];
      if (region.listen !== undefined) hosts.push(region.listen.host);
      return [region.name, hosts];
    }),
    ['router', [config.router.host]],
  ];
  const leaves: Record<string, { cert: string; key: string; names: string[] }> = {};
  for (const [name, hosts] of subjects) {
    const cert = join(out, `${name}.pem`);
    const key = join(out, `${name}-key.pem`);
    const csr = join(out, `${name}.csr`);
    const ext = join(out, `${name}.ext`);
    const names = subjectAltNames(hosts);
    writeFileSync(
      ext,
      `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=${names.join(',')}\n`,
    );
    openssl(['req', ...ec, '-keyout', key, '-out', csr, '-subj', `/CN=${name}`]);
    openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(days),
      '-extfile',
      ext,
      '-out',
      cert,
    ]);
    rmSync(csr);
    rmSync(ext);
    leaves[name] = { cert, key, names };
  }
  return { dir: out, ca, leaves };
}

function parseDays(text: string): number {
  const days = Number(text);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new InvalidArgumentError('must be 1…3650 days');
  return days;
}

export function registerCertsCommand(program: Command): void {
  const command = program
    .command('certs')
    .description('issue a local CA and a certificate per region and for the router, for testing TLS')
    .option('--config <path>', 'topology file (default: ./regions.yaml, else the built-in five-region default)')
    .option('--out <dir>', 'where the files go', 'certs')
    .option('--days <n>', 'validity in days', parseDays, 825)
    .option('--force', 'replace an existing CA and certificates', false)
    .addHelpText(
      'after',
      `
Writes <out>/ca.pem (and ca-key.pem), <region>.pem and <region>-key.pem for each region, and router.pem /
router-key.pem. Each names localhost, 127.0.0.1 and the hosts regions.yaml reaches it at. Point regions.yaml's
tls section at them (see regions.tls.yaml) and run \`meridian up regions.tls.yaml\`.

Example:
  $ meridian certs --config regions.tls.yaml --out certs`,
    );
  exitCodesForUsage(command);
  command.action(
    action(command, async (options: CertsOptions) => {
      const loaded = loadTopology(options.config);
      const issued = await Promise.resolve(
        issueCerts(loaded.config, options.out, options.days, options.force === true),
      );
      console.log(`CA: ${issued.ca}`);
      for (const [name, leaf] of Object.entries(issued.leaves)) {
        console.log(`${name}: ${leaf.cert} (${leaf.names.join(', ')})`);
      }
    }),
  );
}
