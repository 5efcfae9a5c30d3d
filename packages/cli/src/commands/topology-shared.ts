import { MeridianError } from '@meridian/engine';
import { hasMeridianCode } from '@meridian/engine';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command, CommanderError } from 'commander';
import { makeDirs } from '@meridian/store';
import {
  type RegionConfig,
  type TopologyConfig,
  applyEnvironment,
  parseTopology,
  regionBaseUrl,
  regionTlsFiles,
  routerTlsFiles,
  type TlsFiles,
} from '@meridian/topology';
import { newestRoleState } from './role-state.js';

/** The five-region topology `npm start` runs; used when no regions.yaml is given or found. */
export const EMBEDDED_CONFIG_PATH = fileURLToPath(new URL('../../../../regions.yaml', import.meta.url));

/** The CLI's own entry point, for child processes (`meridian up`). */
export const CLI_BIN_PATH = fileURLToPath(new URL('../../bin/meridian.js', import.meta.url));

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
/**
 * A child that cannot start for a reason a restart will not fix (bad config, unusable dataDir…)
 * exits with this code (sysexits' EX_CONFIG) and `meridian up` does not restart it.
 */
export const EXIT_FATAL = 78;

/** An error with a stable MERIDIAN_… code (config, store, node setup): fatal at startup. */
export function meridianCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('MERIDIAN_') ? code : undefined;
}

/** A wrong invocation: printed with a hint and exit code 2. Code MERIDIAN_CLI_USAGE. */
export class UsageError extends Error {
  readonly code = 'MERIDIAN_CLI_USAGE';
}

export interface LoadedTopology {
  readonly config: TopologyConfig;
  /** Absolute path of the file read. */
  readonly path: string;
  /** Absolute data directory (relative dataDir values are relative to the config file). */
  readonly dataDir: string;
}

/** Reads and validates a topology: the given path, else ./regions.yaml, else the embedded default. */
export function loadTopology(path: string | undefined, env: NodeJS.ProcessEnv = process.env): LoadedTopology {
  const chosen = path ?? (existsSync('regions.yaml') ? 'regions.yaml' : EMBEDDED_CONFIG_PATH);
  const absolute = resolve(chosen);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new UsageError(`cannot read ${chosen}: ${reason} (pass a regions.yaml path, or run where one is)`);
  }
  const configured = applyEnvironment(parseTopology(text, chosen), env);
  const base = absolute === EMBEDDED_CONFIG_PATH ? process.cwd() : dirname(absolute);
  const dataDir = resolve(base, configured.dataDir);
  // After a failover, the region folders say who is primary (the newest epoch wins).
  const primary = currentPrimary(configured, dataDir);
  const config = primary === configured.primary ? configured : { ...configured, primary };
  // The CLI's own calls (status, lag, failover, exec, up's health checks) trust the topology's CA.
  // Read at the first https:// call: `meridian certs` loads a topology whose CA does not exist yet.
  const caPath = config.tls?.ca;
  cliCa = caPath === undefined ? undefined : () => readTlsFile(base, 'tls.ca', caPath);
  return { config, path: absolute, dataDir };
}

/** Reads the CA of the last topology loaded (for https:// regions); undefined without TLS. */
let cliCa: (() => Buffer) | undefined;

/** Reads a PEM file named in regions.yaml (relative to it); code MERIDIAN_TLS_FILE_UNREADABLE names the field. */
export function readTlsFile(base: string, field: string, path: string): Buffer {
  const absolute = resolve(base, path);
  const refuse = (reason: string): MeridianError =>
    new MeridianError(
      'MERIDIAN_TLS_FILE_UNREADABLE',
      `${field}: cannot read ${absolute}: ${reason} (\`meridian certs\` makes test certificates)`,
    );
  let pem: Buffer;
  try {
    pem = readFileSync(absolute);
  } catch (error) {
    throw refuse((error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message);
  }
  if (!pem.includes('-----BEGIN ')) throw refuse('not a PEM file');
  return pem;
}

/** A certificate and key as PEM, read from the files regions.yaml names. */
export interface TlsPem {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** What a node or the router of a TLS topology serves and trusts, read from disk (again on SIGHUP). */
export interface TlsMaterial {
  /** undefined: a certificate given by flags alone, with no CA to check peers against. */
  readonly ca: Buffer | undefined;
  readonly clientCerts: boolean;
  /** The region's (or router's) certificate, when it serves TLS. */
  readonly served: TlsPem | undefined;
}

function readPem(base: string, field: string, files: TlsFiles): TlsPem {
  return { cert: readTlsFile(base, `${field}.cert`, files.cert), key: readTlsFile(base, `${field}.key`, files.key) };
}

/** `--tls-cert`, `--tls-key`, `--tls-ca` of `meridian node` and `meridian router`. */
export interface TlsFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
}

/**
 * The flags over what regions.yaml says (`material`): --tls-cert/--tls-key replace the served certificate,
 * --tls-ca the CA; paths are relative to the working directory. Read now (again on SIGHUP).
 */
export function withTlsFlags(material: TlsMaterial | undefined, flags: TlsFlags): TlsMaterial | undefined {
  const { tlsCert, tlsKey, tlsCa } = flags;
  if ((tlsCert === undefined) !== (tlsKey === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together: give both or neither');
  }
  if (tlsCert === undefined && tlsCa === undefined) return material;
  const cwd = process.cwd();
  const served =
    tlsCert === undefined || tlsKey === undefined
      ? material?.served
      : { cert: readTlsFile(cwd, '--tls-cert', tlsCert), key: readTlsFile(cwd, '--tls-key', tlsKey) };
  return {
    ca: tlsCa === undefined ? material?.ca : readTlsFile(cwd, '--tls-ca', tlsCa),
    clientCerts: material?.clientCerts ?? false,
    served,
  };
}

/** The TLS files of `who` (a region name or 'router'), read now; undefined when the topology has no TLS. */
export function readTlsMaterial(loaded: LoadedTopology, who: string): TlsMaterial | undefined {
  const { config } = loaded;
  if (config.tls === undefined) return undefined;
  const base = loaded.path === EMBEDDED_CONFIG_PATH ? process.cwd() : dirname(loaded.path);
  const ca = readTlsFile(base, 'tls.ca', config.tls.ca);
  let files: TlsFiles | undefined;
  let field: string;
  if (who === 'router') {
    files = routerTlsFiles(config);
    field = config.router.tls === undefined ? 'tls' : 'router.tls';
  } else {
    const index = config.regions.findIndex((region) => region.name === who);
    const region = config.regions[index];
    files = region === undefined ? undefined : regionTlsFiles(region, config);
    field = region?.tls === undefined ? 'tls' : `regions[${index}].tls`;
  }
  return {
    ca,
    clientCerts: config.tls.clientCerts,
    served: files === undefined ? undefined : readPem(base, field, files),
  };
}

/** The primary of the newest epoch any region's failover.json records; regions.yaml's before any failover. */
export function currentPrimary(config: TopologyConfig, dataDir: string): string {
  return newestRoleState(config, dataDir)?.primary ?? config.primary;
}

export interface Secrets {
  token: string;
  readonlyToken: string;
  adminToken: string;
  replicationSecret: string;
}

const SECRET_KEYS = ['token', 'readonlyToken', 'adminToken', 'replicationSecret'] as const;

export const SECRET_VARIABLES: Record<keyof Secrets, string> = {
  token: 'MERIDIAN_TOKEN',
  readonlyToken: 'MERIDIAN_READONLY_TOKEN',
  adminToken: 'MERIDIAN_ADMIN_TOKEN',
  replicationSecret: 'MERIDIAN_REPLICATION_SECRET',
};

export function secretsPath(dataDir: string): string {
  return resolve(dataDir, 'secrets.json');
}

function readSecretsFile(dataDir: string): Partial<Secrets> {
  const path = secretsPath(dataDir);
  if (!existsSync(path)) return {};
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const out: Partial<Secrets> = {};
  for (const key of SECRET_KEYS) if (typeof parsed[key] === 'string') out[key] = parsed[key];
  return out;
}

/**
 * The secrets a topology runs with: environment and config first (applyEnvironment already merged
 * them), then `<dataDir>/secrets.json`; with `create`, missing ones are generated once and kept
 * there (mode 0600) so a restart keeps them.
 */
export function resolveSecrets(loaded: LoadedTopology, create: boolean): Partial<Secrets> {
  const stored = readSecretsFile(loaded.dataDir);
  const out: Partial<Secrets> = {};
  let generated = false;
  for (const key of SECRET_KEYS) {
    const value = loaded.config.auth[key] ?? stored[key];
    if (value !== undefined) out[key] = value;
    else if (create) {
      out[key] = stored[key] = randomBytes(24).toString('base64url');
      generated = true;
    }
  }
  if (generated) {
    try {
      makeDirs(loaded.dataDir);
      writeFileSync(secretsPath(loaded.dataDir), `${JSON.stringify(stored, null, 2)}\n`, { mode: 0o600 });
    } catch (error) {
      throw new MeridianError(
        'MERIDIAN_CLI_ATTACH_FAILED',
        `cannot keep generated tokens in ${secretsPath(loaded.dataDir)} (dataDir ${loaded.dataDir}): ${(error as Error).message}`,
      );
    }
  }
  return out;
}

export function secretsEnv(secrets: Partial<Secrets>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of SECRET_KEYS) {
    const value = secrets[key];
    if (value !== undefined) env[SECRET_VARIABLES[key]] = value;
  }
  return env;
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** How the CLI reaches a region: its `url`, else http(s)://host:port. */
export function regionUrl(region: RegionConfig, config: TopologyConfig): string {
  return regionBaseUrl(region, config);
}

export function routerUrl(config: TopologyConfig): string {
  const scheme = routerTlsFiles(config) === undefined ? 'http' : 'https';
  return `${scheme}://${urlHost(config.router.host)}:${config.router.port}`;
}

export function findRegion(config: TopologyConfig, name: string): RegionConfig {
  const region = config.regions.find((candidate) => candidate.name === name);
  if (region === undefined) {
    throw new UsageError(`unknown region "${name}" (regions are: ${config.regions.map((r) => r.name).join(', ')})`);
  }
  return region;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpCall {
  readonly method?: string;
  readonly token?: string | undefined;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly timeoutMs?: number;
  /** Keeps connections open between calls (frequent calls to the same regions). */
  readonly keepAlive?: { readonly http: http.Agent; readonly https: https.Agent };
}

const ANSWER_BYTES_MAX = 64 * 1024 * 1024;

/** One HTTP call with a bounded wait; rejects with a message that says what to check. */
export function httpCall(url: string, call: HttpCall, what: string): Promise<HttpAnswer> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.token !== undefined) headers['authorization'] = `Bearer ${call.token}`;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const timeoutMs = call.timeoutMs ?? 5000;
  return new Promise((resolvePromise, reject) => {
    const secure = url.startsWith('https:');
    const options = { method: call.method ?? 'GET', headers, timeout: timeoutMs };
    const send = (callback: (response: http.IncomingMessage) => void): http.ClientRequest =>
      secure
        ? https.request(
            url,
            {
              ...options,
              ...(cliCa === undefined ? {} : { ca: cliCa() }),
              ...(call.keepAlive === undefined ? {} : { agent: call.keepAlive.https }),
            },
            callback,
          )
        : http.request(
            url,
            { ...options, ...(call.keepAlive === undefined ? {} : { agent: call.keepAlive.http }) },
            callback,
          );
    const request = send((response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > ANSWER_BYTES_MAX) request.destroy(new Error('answer too large'));
      });
      response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => {
      const origin = new URL(url).origin;
      reject(new Error(`cannot reach ${what} at ${origin} (${error.message}) — is \`meridian up\` running?`));
    });
    request.end(call.body);
  });
}

/** Maps commander's own errors to exit codes: help is 0, a usage mistake is 2. */
export function exitCodesForUsage(command: Command): Command {
  return command.exitOverride((error: CommanderError) => {
    const helpCodes = ['commander.helpDisplayed', 'commander.help', 'commander.version'];
    process.exit(helpCodes.includes(error.code) ? EXIT_OK : EXIT_USAGE);
  });
}

/** Runs an action; a UsageError prints with a hint and exits 2, other errors reach main (exit 1). */
export function action<A extends unknown[]>(
  command: Command,
  run: (...args: A) => Promise<void>,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    try {
      await run(...args);
    } catch (error) {
      if (!hasMeridianCode(error, 'MERIDIAN_CLI_USAGE')) throw error;
      console.error(`meridian ${command.name()}: ${error.message}\n(see \`meridian ${command.name()} --help\`)`);
      process.exitCode = EXIT_USAGE;
    }
  };
}
