import { parseConsistency } from '@meridian/core';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { LAG_MS_MAX, LagConfigError, PARETO_SHAPE_MAX, PARETO_SHAPE_MIN, parseDistribution } from '@meridian/lag';

export type Durability = 'always' | 'everysec' | 'none';
export type JitterMode = 'per-message' | 'per-link';

/** A named distribution as written in regions.yaml, e.g. `{ distribution: exponential, meanMs: 4 }`. */
export interface DistributionConfig {
  distribution: 'fixed' | 'uniform' | 'normal' | 'exponential' | 'pareto' | 'empirical';
  [parameter: string]: unknown;
}

/** Redis's maxmemory-policy values a node accepts (the engine's MAX_MEMORY_POLICIES). */
export const MAX_MEMORY_POLICIES = [
  'noeviction',
  'allkeys-lru',
  'volatile-lru',
  'allkeys-random',
  'volatile-ttl',
] as const;
export type MaxMemoryPolicyName = (typeof MAX_MEMORY_POLICIES)[number];
/** Bounds of maxMemoryBytes: 0 (no limit) or at least 1 MiB (the startup baseline), at most 1 TiB. */
export const MAX_MEMORY_BYTES_MIN = 1024 * 1024;
export const MAX_MEMORY_BYTES_MAX = 2 ** 40;

export interface RegionConfig {
  name: string;
  location: { lat: number; lon: number };
  host: string;
  port: number;
  /** The Redis protocol (RESP) port; null: none (`respPort: none`). Default: port + 1000. */
  respPort: number | null;
  /** Where the node binds (`listen: "0.0.0.0:7701"`); default host:port. */
  listen?: { host: string; port: number };
  /** How the other regions, the router and the CLI reach it (`url: "http://eu.example.com:7701"`); default http://host:port. */
  url?: string;
  /** This region's certificate and key (files, relative to regions.yaml); else the top-level tls.cert/key. */
  tls?: TlsFiles;
  /** Overrides the top-level maxMemoryBytes for this region's node. */
  maxMemoryBytes?: number;
  maxMemoryPolicy?: MaxMemoryPolicyName;
  /** Automatic failover: how eager this region is to become primary (0: never; higher stands sooner; default 1). */
  priority?: number;
}

/** A certificate and its private key, PEM files (paths as written in regions.yaml, relative to it). */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** The top-level `tls` section: what every node and the router trust, and the defaults they serve. */
export interface TlsConfig {
  /** The CA every peer's certificate is checked against (replicas, forwarders, the router, the CLI). */
  ca: string;
  /** Default certificate and key for regions (and the router) without their own. */
  cert?: string;
  key?: string;
  /** The replication link asks replicas for a certificate signed by `ca` (mutual TLS). */
  clientCerts: boolean;
}

export interface LinkOverride {
  from: string;
  to: string;
  delayMs?: number;
  jitter?: DistributionConfig;
}

export interface TopologyConfig {
  version: 1;
  primary: string;
  dataDir: string;
  durability: Durability;
  regions: RegionConfig[];
  router: {
    host: string;
    port: number;
    region: string;
    defaultConsistency: string;
    addClientLatency: boolean;
    /** The router's certificate and key; else the top-level tls.cert/key. */
    tls?: TlsFiles;
  };
  network: {
    /** 'geo': one-way delay from great-circle distance; a number: the same delay for every link. */
    delay: 'geo' | number;
    jitter: DistributionConfig | undefined;
    jitterMode: JitterMode;
    /** Per-link jitter: how often each link's shared offset is redrawn (ms). */
    jitterRedrawMs: number;
    links: LinkOverride[];
  };
  replication: { heartbeatMs: number; backlogBytesMax: number; syncWaitMsMax: number; forwardTimeoutMs: number };
  /** Every node's maxmemory; undefined: each node's default (a share of its heap limit). */
  maxMemoryBytes: number | undefined;
  maxMemoryPolicy: MaxMemoryPolicyName;
  auth: { token?: string; readonlyToken?: string; adminToken?: string; replicationSecret?: string };
  /** Origins a browser page may call the nodes and the router from: `'*'` (any, as Upstash) or a list. */
  cors: { allowedOrigins: '*' | string[] };
  /** TLS (HTTPS, WSS, RESP over TLS); undefined: plain HTTP. */
  tls: TlsConfig | undefined;
  /** Automatic failover (docs/failover.md): the regions elect a new primary when the primary is lost. */
  failover: FailoverConfig;
  /** The simulator's settings (docs/experiments.md). */
  simulation: { costs: SimulationCosts };
}

/**
 * What the simulator charges for the nodes' own work: the figures built in, none (the pure network
 * model), or a `meridian calibrate` file (`path` as written, relative to the file `relativeTo`).
 */
export type SimulationCosts =
  { kind: 'builtin' } | { kind: 'none' } | { kind: 'file'; path: string; relativeTo: string };

export interface FailoverConfig {
  /** Off: the primary changes only by `meridian failover`. */
  automatic: boolean;
  heartbeatMs: number;
  leaseMs: number;
  electionTimeoutMs: number;
  /** Bound on how far a region's clock rate strays from real time (0.01: 1%). */
  clockDriftMax: number;
}

/** A regions.yaml problem, naming the field and (when known) the line. Code: MERIDIAN_CONFIG_INVALID. */
export class ConfigError extends Error {
  readonly code = 'MERIDIAN_CONFIG_INVALID';
  constructor(
    readonly field: string,
    readonly line: number | undefined,
    readonly problem: string,
    readonly source: string,
  ) {
    super(`${source}${line === undefined ? '' : `:${line}`}: ${field}: ${problem}`);
  }
}

const DISTRIBUTIONS: Record<DistributionConfig['distribution'], readonly string[]> = {
  fixed: ['valueMs'],
  uniform: ['minMs', 'maxMs'],
  normal: ['meanMs', 'stddevMs'],
  exponential: ['meanMs'],
  pareto: ['scaleMs', 'shape', 'maxMs'],
  empirical: ['samplesMs'],
};
/** Parameters that may be left out (Pareto's cap defaults to PARETO_MS_MAX_DEFAULT). */
const OPTIONAL_PARAMETERS = ['maxMs'];

class Reader {
  readonly lines = new LineCounter();
  readonly doc: Document;
  constructor(
    text: string,
    readonly source: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true });
    const first = this.doc.errors[0];
    if (first)
      throw new ConfigError(
        '(document)',
        first.linePos?.[0].line,
        first.message.split('\n')[0] ?? 'invalid YAML',
        source,
      );
  }

  fail(path: (string | number)[], problem: string): never {
    const node = this.doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const offset =
      node?.range?.[0] ?? (this.doc.getIn(path.slice(0, -1), true) as { range?: number[] } | undefined)?.range?.[0];
    const line = offset === undefined ? undefined : this.lines.linePos(offset).line;
    throw new ConfigError(fieldName(path), line, problem, this.source);
  }
}

function fieldName(path: readonly (string | number)[]): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

type Plain = Record<string, unknown>;

function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKeys(reader: Reader, path: (string | number)[], value: Plain, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) reader.fail([...path, key], `unknown field (expected one of: ${known.join(', ')})`);
  }
}

function number(
  reader: Reader,
  path: (string | number)[],
  value: unknown,
  min: number,
  max: number,
  fallback?: number,
): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value))
    reader.fail(path, `must be a number, got ${JSON.stringify(value)}`);
  if (value < min || value > max) reader.fail(path, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function string(reader: Reader, path: (string | number)[], value: unknown, fallback?: string): string {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0)
    reader.fail(path, `must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function oneOf<T extends string>(
  reader: Reader,
  path: (string | number)[],
  value: unknown,
  options: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !options.includes(value as T)) {
    reader.fail(path, `must be one of ${options.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

function distribution(reader: Reader, path: (string | number)[], value: unknown): DistributionConfig {
  if (!isPlain(value)) reader.fail(path, 'must be a mapping like { distribution: exponential, meanMs: 4 }');
  const name = value['distribution'];
  if (typeof name !== 'string' || !(name in DISTRIBUTIONS)) {
    reader.fail(
      [...path, 'distribution'],
      `must be one of ${Object.keys(DISTRIBUTIONS).join(', ')}, got ${JSON.stringify(name)}`,
    );
  }
  const parameters = DISTRIBUTIONS[name as DistributionConfig['distribution']];
  checkKeys(reader, path, value, ['distribution', ...parameters]);
  for (const parameter of parameters) {
    const field = [...path, parameter];
    if (value[parameter] === undefined && OPTIONAL_PARAMETERS.includes(parameter) && name === 'pareto') continue;
    if (parameter === 'samplesMs') {
      const samples = value[parameter];
      if (!Array.isArray(samples) || samples.length === 0) reader.fail(field, 'must be a non-empty list of numbers');
      samples.forEach((sample, i) => number(reader, [...field, i], sample, 0, LAG_MS_MAX));
    } else if (parameter === 'shape') {
      number(reader, field, value[parameter], PARETO_SHAPE_MIN, PARETO_SHAPE_MAX);
    } else {
      number(reader, field, value[parameter], 0, LAG_MS_MAX);
    }
  }
  if (name === 'uniform' && (value['minMs'] as number) > (value['maxMs'] as number))
    reader.fail([...path, 'minMs'], 'must not exceed maxMs');
  // The runtime API and the CLI validate with the lag package: the same rules must accept this.
  try {
    parseDistribution(value, 'jitter');
  } catch (error) {
    if (!(error instanceof LagConfigError)) throw error;
    reader.fail([...path, ...error.field.split('.').slice(1)], error.problem);
  }
  return value as DistributionConfig;
}

/** A region's RESP port when its config names none: its HTTP port + this. */
export const DEFAULT_RESP_PORT_OFFSET = 1000;

/** `respPort`: a port, `none`, or absent (the HTTP port + 1000, or none when that is over 65535). */
function respPortOf(reader: Reader, path: (string | number)[], value: unknown, port: number): number | null {
  if (value === 'none') return null;
  // The default, port + 1000, exists only below 65536: above, RESP is off unless a port is set.
  const fallback = port + DEFAULT_RESP_PORT_OFFSET;
  if (value === undefined) return fallback > 65535 ? null : fallback;
  const respPort = number(reader, path, value, 1, 65535);
  if (!Number.isInteger(respPort)) reader.fail(path, `must be a whole number or none, got ${respPort}`);
  if (respPort === port) reader.fail(path, `${respPort} is the region's HTTP port`);
  return respPort;
}

/** A maxMemoryBytes value: 0 (no limit) or a whole number of bytes ≥ 1 MiB. */
function memoryBytes(reader: Reader, path: (string | number)[], value: unknown): number {
  const bytes = number(reader, path, value, 0, MAX_MEMORY_BYTES_MAX);
  if (!Number.isInteger(bytes)) reader.fail(path, `must be a whole number of bytes, got ${bytes}`);
  if (bytes !== 0 && bytes < MAX_MEMORY_BYTES_MIN) {
    reader.fail(path, `must be 0 (no limit) or at least ${MAX_MEMORY_BYTES_MIN} (1 MiB), got ${bytes}`);
  }
  return bytes;
}

function memoryPolicy(reader: Reader, path: (string | number)[], value: unknown): MaxMemoryPolicyName {
  return oneOf(reader, path, value, MAX_MEMORY_POLICIES, 'noeviction');
}

const LISTEN = /^(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+):(\d{1,5})$/i;

/** `listen: "host:port"` (`[::]:7701` for IPv6): where a node binds. */
function listenOf(reader: Reader, path: (string | number)[], value: unknown): { host: string; port: number } {
  const text = string(reader, path, value);
  const match = LISTEN.exec(text);
  const port = Number(match?.[2]);
  if (match === null || !(port >= 0 && port <= 65535)) {
    reader.fail(path, `must be host:port like 0.0.0.0:7701 or [::]:7701, got "${text}"`);
  }
  const host = (match[1] as string).replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

/** `url: "http://eu.example.com[:port]"`: how others reach a node (scheme, host, port; no path). */
function baseUrlOf(reader: Reader, path: (string | number)[], value: unknown): string {
  const text = string(reader, path, value);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    reader.fail(path, `must be a URL like https://eu.example.com, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    reader.fail(path, `must be an http:// or https:// URL, got "${text}"`);
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '' || url.username !== '') {
    reader.fail(path, `must be scheme://host[:port] without a path, query or credentials, got "${text}"`);
  }
  return `${url.protocol}//${url.host}`;
}

/** The base URL others reach a region at: its `url`, else http(s)://host:port (https when it serves TLS). */
export function regionBaseUrl(region: RegionConfig, config?: Pick<TopologyConfig, 'tls'>): string {
  if (region.url !== undefined) return region.url;
  const host = region.host.includes(':') ? `[${region.host}]` : region.host;
  const scheme = regionTlsFiles(region, config) === undefined ? 'http' : 'https';
  return `${scheme}://${host}:${region.port}`;
}

/** The certificate a region's node serves, when it serves TLS. */
export function regionTlsFiles(region: RegionConfig, config?: Pick<TopologyConfig, 'tls'>): TlsFiles | undefined {
  if (region.tls !== undefined) return region.tls;
  const tls = config?.tls;
  return tls?.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : undefined;
}

/** The certificate the router serves, when it serves TLS. */
export function routerTlsFiles(config: Pick<TopologyConfig, 'tls' | 'router'>): TlsFiles | undefined {
  if (config.router.tls !== undefined) return config.router.tls;
  const tls = config.tls;
  return tls?.cert !== undefined && tls.key !== undefined ? { cert: tls.cert, key: tls.key } : undefined;
}

function tlsFiles(reader: Reader, path: (string | number)[], value: unknown): TlsFiles {
  if (!isPlain(value)) reader.fail(path, 'must be a mapping { cert, key } of PEM file paths');
  checkKeys(reader, path, value, ['cert', 'key']);
  return {
    cert: string(reader, [...path, 'cert'], value['cert']),
    key: string(reader, [...path, 'key'], value['key']),
  };
}

function tlsSection(reader: Reader, value: unknown): TlsConfig | undefined {
  if (value === undefined) return undefined;
  if (!isPlain(value)) reader.fail(['tls'], 'must be a mapping { ca, cert?, key?, clientCerts? }');
  checkKeys(reader, ['tls'], value, ['ca', 'cert', 'key', 'clientCerts']);
  const config: TlsConfig = { ca: string(reader, ['tls', 'ca'], value['ca']), clientCerts: false };
  if ((value['cert'] === undefined) !== (value['key'] === undefined)) {
    reader.fail(
      ['tls', value['cert'] === undefined ? 'cert' : 'key'],
      'cert and key go together: give both or neither',
    );
  }
  if (value['cert'] !== undefined) config.cert = string(reader, ['tls', 'cert'], value['cert']);
  if (value['key'] !== undefined) config.key = string(reader, ['tls', 'key'], value['key']);
  const clientCerts = value['clientCerts'] ?? false;
  if (typeof clientCerts !== 'boolean') reader.fail(['tls', 'clientCerts'], 'must be true or false');
  config.clientCerts = clientCerts;
  return config;
}

/** Where a region's node binds: its `listen`, else host:port. */
export function regionBind(region: RegionConfig): { host: string; port: number } {
  return region.listen ?? { host: region.host, port: region.port };
}

function regions(reader: Reader, value: unknown): RegionConfig[] {
  if (!Array.isArray(value) || value.length === 0) reader.fail(['regions'], 'must be a non-empty list of regions');
  const seenNames = new Map<string, number>();
  const seenPorts = new Map<string, number>();
  return value.map((region: unknown, i) => {
    const path = ['regions', i];
    if (!isPlain(region)) reader.fail(path, 'must be a mapping with name, location, host, port');
    checkKeys(reader, path, region, [
      'name',
      'location',
      'host',
      'port',
      'respPort',
      'listen',
      'url',
      'tls',
      'maxMemoryBytes',
      'maxMemoryPolicy',
      'priority',
    ]);
    const name = string(reader, [...path, 'name'], region['name']);
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name))
      reader.fail([...path, 'name'], `must be lowercase letters, digits and dashes, got "${name}"`);
    if (seenNames.has(name))
      reader.fail([...path, 'name'], `duplicate region "${name}" (also regions[${seenNames.get(name)}])`);
    seenNames.set(name, i);
    const location = region['location'];
    if (!isPlain(location)) reader.fail([...path, 'location'], 'must be a mapping { lat, lon }');
    checkKeys(reader, [...path, 'location'], location, ['lat', 'lon']);
    const lat = number(reader, [...path, 'location', 'lat'], location['lat'], -90, 90);
    const lon = number(reader, [...path, 'location', 'lon'], location['lon'], -180, 180);
    const host = string(reader, [...path, 'host'], region['host'], '127.0.0.1');
    const port = number(reader, [...path, 'port'], region['port'], 1, 65535);
    if (!Number.isInteger(port)) reader.fail([...path, 'port'], `must be a whole number, got ${port}`);
    const hostPort = `${host}:${port}`;
    if (seenPorts.has(hostPort))
      reader.fail([...path, 'port'], `${hostPort} is already used by regions[${seenPorts.get(hostPort)}]`);
    seenPorts.set(hostPort, i);
    const respPort = respPortOf(reader, [...path, 'respPort'], region['respPort'], port);
    if (respPort !== null) {
      const respHostPort = `${host}:${respPort}`;
      if (seenPorts.has(respHostPort))
        reader.fail(
          [...path, 'respPort'],
          `${respHostPort} is already used by regions[${seenPorts.get(respHostPort)}]`,
        );
      seenPorts.set(respHostPort, i);
    }
    const config: RegionConfig = { name, location: { lat, lon }, host, port, respPort };
    if (region['listen'] !== undefined) config.listen = listenOf(reader, [...path, 'listen'], region['listen']);
    if (region['url'] !== undefined) config.url = baseUrlOf(reader, [...path, 'url'], region['url']);
    if (region['tls'] !== undefined) config.tls = tlsFiles(reader, [...path, 'tls'], region['tls']);
    if (region['maxMemoryBytes'] !== undefined) {
      config.maxMemoryBytes = memoryBytes(reader, [...path, 'maxMemoryBytes'], region['maxMemoryBytes']);
    }
    if (region['maxMemoryPolicy'] !== undefined) {
      config.maxMemoryPolicy = memoryPolicy(reader, [...path, 'maxMemoryPolicy'], region['maxMemoryPolicy']);
    }
    if (region['priority'] !== undefined) {
      const priority = number(reader, [...path, 'priority'], region['priority'], 0, 100);
      if (!Number.isInteger(priority))
        reader.fail([...path, 'priority'], `must be a whole number from 0 to 100, got ${priority}`);
      config.priority = priority;
    }
    return config;
  });
}

const ORIGIN = /^https?:\/\/(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]+)(:\d{1,5})?$/i;

/** `cors: { allowedOrigins: '*' | [origin, …] }`; an origin is scheme://host[:port], as browsers send it. */
function cors(reader: Reader, value: unknown): TopologyConfig['cors'] {
  if (value === undefined) return { allowedOrigins: '*' };
  if (!isPlain(value)) reader.fail(['cors'], 'must be a mapping like { allowedOrigins: "*" }');
  checkKeys(reader, ['cors'], value, ['allowedOrigins']);
  const origins = value['allowedOrigins'] ?? '*';
  if (origins === '*') return { allowedOrigins: '*' };
  const path = ['cors', 'allowedOrigins'];
  if (!Array.isArray(origins) || origins.length === 0)
    reader.fail(path, `must be "*" or a non-empty list of origins, got ${JSON.stringify(origins)}`);
  const list = (origins as unknown[]).map((origin, i) => {
    if (origin === '*') reader.fail([...path, i], 'use "*" alone (allowedOrigins: "*"), not inside a list');
    if (typeof origin !== 'string' || !ORIGIN.test(origin))
      reader.fail(
        [...path, i],
        `must be an origin like https://app.example.com or http://localhost:5173 (scheme://host[:port], no path, no trailing slash), got ${JSON.stringify(origin)}`,
      );
    return origin;
  });
  return { allowedOrigins: list };
}

/** Parses and validates regions.yaml text. Throws ConfigError naming the field and line. */
export function parseTopology(text: string, source = 'regions.yaml'): TopologyConfig {
  const reader: Reader = new Reader(text, source);
  const root: unknown = reader.doc.toJS();
  if (!isPlain(root)) reader.fail([], 'the file must be a mapping');
  checkKeys(reader, [], root, [
    'version',
    'primary',
    'dataDir',
    'durability',
    'regions',
    'router',
    'network',
    'replication',
    'auth',
    'maxMemoryBytes',
    'maxMemoryPolicy',
    'cors',
    'tls',
    'failover',
    'simulation',
  ]);
  if (root['version'] !== undefined && root['version'] !== 1)
    reader.fail(['version'], `unsupported version ${JSON.stringify(root['version'])} (this Meridian reads version 1)`);
  const list = regions(reader, root['regions']);
  const names = list.map((region) => region.name);
  const regionName = (path: (string | number)[], value: unknown, fallback?: string): string => {
    const name = string(reader, path, value, fallback);
    if (!names.includes(name)) reader.fail(path, `unknown region "${name}" (regions are: ${names.join(', ')})`);
    return name;
  };
  const primary = regionName(['primary'], root['primary']);
  const router = isPlain(root['router']) ? root['router'] : {};
  checkKeys(reader, ['router'], router, ['host', 'port', 'region', 'defaultConsistency', 'addClientLatency', 'tls']);
  const tls = tlsSection(reader, root['tls']);
  const routerTls = router['tls'] === undefined ? undefined : tlsFiles(reader, ['router', 'tls'], router['tls']);
  list.forEach((region, i) => {
    const serves = regionTlsFiles(region, { tls }) !== undefined;
    if (region.tls !== undefined && tls === undefined) {
      reader.fail(
        ['regions', i, 'tls'],
        'needs the top-level tls.ca, the CA the other regions check this certificate with',
      );
    }
    const scheme = region.url === undefined ? undefined : new URL(region.url).protocol;
    if (scheme === 'https:' && !serves) {
      reader.fail(
        ['regions', i, 'url'],
        'is https:// but this region serves no TLS: give it tls: { cert, key } (or a top-level tls.cert/key)',
      );
    }
    if (scheme === 'http:' && serves) {
      reader.fail(['regions', i, 'url'], 'is http:// but this region serves TLS: use https://');
    }
  });
  if (routerTls !== undefined && tls === undefined) {
    reader.fail(['router', 'tls'], 'needs the top-level tls.ca');
  }
  const routerHost = string(reader, ['router', 'host'], router['host'], '127.0.0.1');
  const routerPort = number(reader, ['router', 'port'], router['port'], 1, 65535, 7700);
  if (list.some((region) => region.host === routerHost && region.port === routerPort)) {
    reader.fail(['router', 'port'], `${routerHost}:${routerPort} is already used by a region`);
  }
  const defaultConsistency = string(reader, ['router', 'defaultConsistency'], router['defaultConsistency'], 'eventual');
  if (parseConsistency(defaultConsistency) === undefined)
    reader.fail(['router', 'defaultConsistency'], 'must be eventual, session, strong or bounded=<ms>');
  const addClientLatency = router['addClientLatency'] ?? false;
  if (typeof addClientLatency !== 'boolean') reader.fail(['router', 'addClientLatency'], 'must be true or false');
  const network = isPlain(root['network']) ? root['network'] : {};
  checkKeys(reader, ['network'], network, ['delay', 'jitter', 'jitterMode', 'jitterRedrawMs', 'links']);
  const delayValue = network['delay'] ?? 'geo';
  const delay = delayValue === 'geo' ? 'geo' : number(reader, ['network', 'delay'], delayValue, 0, LAG_MS_MAX);
  const jitter =
    network['jitter'] === undefined ? undefined : distribution(reader, ['network', 'jitter'], network['jitter']);
  const jitterMode = oneOf(
    reader,
    ['network', 'jitterMode'],
    network['jitterMode'],
    ['per-message', 'per-link'] as const,
    'per-message',
  );
  const jitterRedrawMs = number(reader, ['network', 'jitterRedrawMs'], network['jitterRedrawMs'], 1, LAG_MS_MAX, 1000);
  const linksValue = network['links'] ?? [];
  if (!Array.isArray(linksValue)) reader.fail(['network', 'links'], 'must be a list');
  const links = (linksValue as unknown[]).map((link: unknown, i: number): LinkOverride => {
    const path = ['network', 'links', i];
    if (!isPlain(link)) reader.fail(path, 'must be a mapping { from, to, delayMs?, jitter? }');
    checkKeys(reader, path, link, ['from', 'to', 'delayMs', 'jitter']);
    const override: LinkOverride = {
      from: regionName([...path, 'from'], link['from']),
      to: regionName([...path, 'to'], link['to']),
    };
    if (link['delayMs'] !== undefined)
      override.delayMs = number(reader, [...path, 'delayMs'], link['delayMs'], 0, LAG_MS_MAX);
    if (link['jitter'] !== undefined) override.jitter = distribution(reader, [...path, 'jitter'], link['jitter']);
    return override;
  });
  const replication = isPlain(root['replication']) ? root['replication'] : {};
  checkKeys(reader, ['replication'], replication, [
    'heartbeatMs',
    'backlogBytesMax',
    'syncWaitMsMax',
    'forwardTimeoutMs',
  ]);
  const failover = isPlain(root['failover']) ? root['failover'] : {};
  if (root['failover'] !== undefined && !isPlain(root['failover']))
    reader.fail(['failover'], 'must be a mapping like { automatic: true }');
  checkKeys(reader, ['failover'], failover, [
    'automatic',
    'heartbeatMs',
    'leaseMs',
    'electionTimeoutMs',
    'clockDriftMax',
  ]);
  const automatic = failover['automatic'] ?? false;
  if (typeof automatic !== 'boolean')
    reader.fail(['failover', 'automatic'], `must be true or false, got ${JSON.stringify(automatic)}`);
  const failoverConfig: FailoverConfig = {
    automatic,
    heartbeatMs: number(reader, ['failover', 'heartbeatMs'], failover['heartbeatMs'], 10, 60_000, 250),
    leaseMs: number(reader, ['failover', 'leaseMs'], failover['leaseMs'], 20, 600_000, 2_000),
    electionTimeoutMs: number(
      reader,
      ['failover', 'electionTimeoutMs'],
      failover['electionTimeoutMs'],
      20,
      600_000,
      3_000,
    ),
    clockDriftMax: number(reader, ['failover', 'clockDriftMax'], failover['clockDriftMax'], 0, 0.2, 0.01),
  };
  if (failoverConfig.leaseMs <= failoverConfig.heartbeatMs)
    reader.fail(['failover', 'leaseMs'], `must be above failover.heartbeatMs (${failoverConfig.heartbeatMs})`);
  if (failoverConfig.electionTimeoutMs < failoverConfig.leaseMs)
    reader.fail(
      ['failover', 'electionTimeoutMs'],
      `must be at least failover.leaseMs (${failoverConfig.leaseMs}), or a new primary could be elected while the old one still holds its lease`,
    );
  const auth = isPlain(root['auth']) ? root['auth'] : {};
  checkKeys(reader, ['auth'], auth, ['token', 'readonlyToken', 'adminToken', 'replicationSecret']);
  const authConfig: TopologyConfig['auth'] = {};
  for (const key of ['token', 'readonlyToken', 'adminToken', 'replicationSecret'] as const) {
    if (auth[key] !== undefined) authConfig[key] = string(reader, ['auth', key], auth[key]);
  }
  return {
    version: 1,
    primary,
    dataDir: string(reader, ['dataDir'], root['dataDir'], './data'),
    durability: oneOf(reader, ['durability'], root['durability'], ['always', 'everysec', 'none'] as const, 'always'),
    regions: list,
    router: {
      host: routerHost,
      port: routerPort,
      region: regionName(['router', 'region'], router['region'], primary),
      defaultConsistency,
      addClientLatency,
      ...(routerTls === undefined ? {} : { tls: routerTls }),
    },
    network: { delay, jitter, jitterMode, jitterRedrawMs, links },
    replication: {
      heartbeatMs: number(reader, ['replication', 'heartbeatMs'], replication['heartbeatMs'], 1, 60_000, 100),
      backlogBytesMax: number(
        reader,
        ['replication', 'backlogBytesMax'],
        replication['backlogBytesMax'],
        1024,
        2 ** 40,
        64 * 1024 * 1024,
      ),
      syncWaitMsMax: number(reader, ['replication', 'syncWaitMsMax'], replication['syncWaitMsMax'], 0, 600_000, 1000),
      forwardTimeoutMs: number(
        reader,
        ['replication', 'forwardTimeoutMs'],
        replication['forwardTimeoutMs'],
        100,
        600_000,
        5000,
      ),
    },
    maxMemoryBytes:
      root['maxMemoryBytes'] === undefined
        ? undefined
        : memoryBytes(reader, ['maxMemoryBytes'], root['maxMemoryBytes']),
    maxMemoryPolicy: memoryPolicy(reader, ['maxMemoryPolicy'], root['maxMemoryPolicy']),
    auth: authConfig,
    cors: cors(reader, root['cors']),
    tls,
    failover: failoverConfig,
    simulation: simulation(reader, root['simulation']),
  };
}

function simulation(reader: Reader, value: unknown): TopologyConfig['simulation'] {
  if (value === undefined) return { costs: { kind: 'builtin' } };
  if (!isPlain(value)) reader.fail(['simulation'], 'must be a mapping like { costs: ./calibration.json }');
  checkKeys(reader, ['simulation'], value, ['costs']);
  const costs = value['costs'];
  if (costs === undefined || costs === 'builtin') return { costs: { kind: 'builtin' } };
  if (costs === 'none') return { costs: { kind: 'none' } };
  if (typeof costs !== 'string' || costs.length === 0) {
    reader.fail(
      ['simulation', 'costs'],
      `must be builtin, none or the path of a \`meridian calibrate\` file, got ${JSON.stringify(costs)}`,
    );
  }
  return { costs: { kind: 'file', path: costs, relativeTo: reader.source } };
}

/** Secrets from the environment override the file (DESIGN.md's interface section). */
export function applyEnvironment(config: TopologyConfig, env: Record<string, string | undefined>): TopologyConfig {
  const auth = { ...config.auth };
  const pairs = [
    ['token', 'MERIDIAN_TOKEN'],
    ['readonlyToken', 'MERIDIAN_READONLY_TOKEN'],
    ['adminToken', 'MERIDIAN_ADMIN_TOKEN'],
    ['replicationSecret', 'MERIDIAN_REPLICATION_SECRET'],
  ] as const;
  for (const [key, variable] of pairs) {
    const value = env[variable];
    if (value !== undefined && value !== '') auth[key] = value;
  }
  return { ...config, auth };
}

export function regionByName(config: TopologyConfig, name: string): RegionConfig | undefined {
  return config.regions.find((region) => region.name === name);
}
