import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  applyEnvironment,
  ConfigError,
  parseTopology,
  regionBaseUrl,
  regionBind,
  regionTlsFiles,
  routerTlsFiles,
} from '@meridian/topology';

const defaultText = readFileSync(new URL('../../../regions.yaml', import.meta.url), 'utf8');

function errorOf(text: string): ConfigError {
  try {
    parseTopology(text);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('regions.yaml', () => {
  it('parses the embedded default: five regions, primary us-east-1, ports off 8080', () => {
    const config = parseTopology(defaultText);
    expect(config.regions.map((region) => region.name)).toEqual([
      'us-east-1',
      'us-west-2',
      'eu-west-1',
      'ap-southeast-1',
      'sa-east-1',
    ]);
    expect(config.primary).toBe('us-east-1');
    expect(config.durability).toBe('always');
    expect(config.network.delay).toBe('geo');
    expect(config.network.jitter).toEqual({ distribution: 'exponential', meanMs: 4 });
    const ports = [config.router.port, ...config.regions.map((region) => region.port)];
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports).not.toContain(8080);
  });

  it('names the field and line of a duplicate port', () => {
    const error = errorOf(defaultText.replace('port: 7702', 'port: 7701'));
    expect(error.field).toBe('regions[1].port');
    expect(error.line).toBe(defaultText.split('\n').findIndex((line) => line.includes('port: 7702')) + 1);
    expect(error.message).toContain('already used by regions[0]');
  });

  it('gives each region a RESP port: port + 1000 by default, none above 65535, a clash named', () => {
    const config = parseTopology(defaultText);
    expect(config.regions.map((region) => region.respPort)).toEqual([8701, 8702, 8703, 8704, 8705]);
    const high = parseTopology(defaultText.replace('port: 7702', 'port: 65001'));
    expect(high.regions[1]?.respPort).toBeNull();
    expect(
      parseTopology(defaultText.replace('port: 7702', 'port: 7702\n    respPort: none')).regions[1]?.respPort,
    ).toBeNull();
    const clash = errorOf(defaultText.replace('port: 7702', 'port: 7702\n    respPort: 7701'));
    expect(clash.field).toBe('regions[1].respPort');
    expect(clash.message).toContain('already used by regions[0]');
  });

  it('takes a bind address (listen) apart from the address others use (url); bad ones are named', () => {
    const config = parseTopology(
      defaultText.replace(
        'port: 7702',
        'port: 7702\n    listen: "0.0.0.0:9702"\n    url: "http://us-west.example.com:9702"',
      ),
    );
    const region = config.regions[1]!;
    expect(regionBind(region)).toEqual({ host: '0.0.0.0', port: 9702 });
    expect(regionBaseUrl(region)).toBe('http://us-west.example.com:9702');
    expect(regionBind(config.regions[0]!)).toEqual({ host: '127.0.0.1', port: 7701 });
    expect(regionBaseUrl(config.regions[0]!)).toBe('http://127.0.0.1:7701');
    expect(
      regionBind(parseTopology(defaultText.replace('port: 7702', 'port: 7702\n    listen: "[::]:7702"')).regions[1]!),
    ).toEqual({
      host: '::',
      port: 7702,
    });
    const badListen = errorOf(defaultText.replace('port: 7702', 'port: 7702\n    listen: "0.0.0.0"'));
    expect(badListen.field).toBe('regions[1].listen');
    expect(badListen.message).toContain('must be host:port');
    const badUrl = errorOf(defaultText.replace('port: 7702', 'port: 7702\n    url: "http://x.example.com/path"'));
    expect(badUrl.field).toBe('regions[1].url');
    const https = errorOf(defaultText.replace('port: 7702', 'port: 7702\n    url: "https://x.example.com"'));
    expect(https.field).toBe('regions[1].url');
    expect(https.message).toContain('serves no TLS');
  });

  it('reads TLS: a CA for every peer, certificates per region, the router or by default; mistakes are named', () => {
    const withTls = (text: string): string => `${text}\ntls: { ca: certs/ca.pem, clientCerts: true }\n`;
    const config = parseTopology(
      withTls(defaultText.replace('port: 7702', 'port: 7702\n    tls: { cert: certs/w.pem, key: certs/w-key.pem }')),
    );
    expect(config.tls).toEqual({ ca: 'certs/ca.pem', clientCerts: true });
    const west = config.regions[1]!;
    expect(regionTlsFiles(west, config)).toEqual({ cert: 'certs/w.pem', key: 'certs/w-key.pem' });
    expect(regionBaseUrl(west, config)).toBe('https://127.0.0.1:7702');
    // Without a certificate of its own or a default one, a region stays plain HTTP.
    expect(regionTlsFiles(config.regions[0]!, config)).toBeUndefined();
    expect(regionBaseUrl(config.regions[0]!, config)).toBe('http://127.0.0.1:7701');
    expect(routerTlsFiles(config)).toBeUndefined();
    const everywhere = parseTopology(
      `${defaultText}\ntls: { ca: certs/ca.pem, cert: certs/all.pem, key: certs/all-key.pem }\n`,
    );
    expect(everywhere.regions.every((region) => regionBaseUrl(region, everywhere).startsWith('https://'))).toBe(true);
    expect(routerTlsFiles(everywhere)).toEqual({ cert: 'certs/all.pem', key: 'certs/all-key.pem' });
    expect(everywhere.tls?.clientCerts).toBe(false);
    expect(parseTopology(defaultText).tls).toBeUndefined();

    const noCa = errorOf(defaultText.replace('port: 7702', 'port: 7702\n    tls: { cert: a.pem, key: b.pem }'));
    expect(noCa.field).toBe('regions[1].tls');
    expect(noCa.message).toContain('tls.ca');
    expect(errorOf(withTls(defaultText.replace('port: 7702', 'port: 7702\n    tls: { cert: a.pem }'))).field).toBe(
      'regions[1].tls.key',
    );
    expect(errorOf(`${defaultText}\ntls: { ca: ca.pem, cert: a.pem }\n`).field).toBe('tls.key');
    expect(errorOf(`${defaultText}\ntls: { cert: a.pem, key: b.pem }\n`).field).toBe('tls.ca');
    expect(errorOf(`${defaultText}\ntls: { ca: ca.pem, clientCerts: yes please }\n`).field).toBe('tls.clientCerts');
    const plainUrl = errorOf(
      `${defaultText.replace('port: 7702', 'port: 7702\n    url: "http://w.example.com"')}\ntls: { ca: ca.pem, cert: a.pem, key: b.pem }\n`,
    );
    expect(plainUrl.field).toBe('regions[1].url');
    expect(plainUrl.message).toContain('use https://');
  });

  it('refuses a primary that is not a region', () => {
    const error = errorOf(defaultText.replace('primary: us-east-1', 'primary: mars-1'));
    expect(error.field).toBe('primary');
    expect(error.message).toContain('unknown region "mars-1"');
    expect(error.line).toBe(5);
  });

  it('refuses bad distribution parameters and unknown link regions', () => {
    expect(errorOf(defaultText.replace('meanMs: 4', 'meanMs: -4')).field).toBe('network.jitter.meanMs');
    expect(errorOf(defaultText.replace('distribution: exponential', 'distribution: lognormal')).field).toBe(
      'network.jitter.distribution',
    );
    expect(errorOf(defaultText.replace('links: []', 'links: [{ from: us-east-1, to: nowhere }]')).field).toBe(
      'network.links[0].to',
    );
  });

  it('reads network.jitterRedrawMs (default 1000 ms) and names it when it is out of bounds', () => {
    expect(parseTopology(defaultText).network.jitterRedrawMs).toBe(1000);
    const redraw = (value: string): string => defaultText.replace('links: []', `links: []\n  jitterRedrawMs: ${value}`);
    expect(parseTopology(redraw('20')).network.jitterRedrawMs).toBe(20);
    for (const bad of ['0', '-5', '"fast"', '4000000'])
      expect(errorOf(redraw(bad)).field).toBe('network.jitterRedrawMs');
  });

  it('reads maxMemoryBytes and maxMemoryPolicy at the top level and per region, with bounds', () => {
    const base = parseTopology(defaultText);
    expect(base.maxMemoryBytes).toBeUndefined();
    expect(base.maxMemoryPolicy).toBe('noeviction');
    expect(base.replication.forwardTimeoutMs).toBe(5000);
    const text = `${defaultText.replace('port: 7702', 'port: 7702\n    maxMemoryBytes: 0\n    maxMemoryPolicy: allkeys-lru')}\nmaxMemoryBytes: 104857600\nmaxMemoryPolicy: volatile-ttl\n`;
    const config = parseTopology(text);
    expect(config.maxMemoryBytes).toBe(104_857_600);
    expect(config.maxMemoryPolicy).toBe('volatile-ttl');
    expect(config.regions[1]).toMatchObject({ maxMemoryBytes: 0, maxMemoryPolicy: 'allkeys-lru' });
    expect(config.regions[0]?.maxMemoryBytes).toBeUndefined();
    expect(errorOf(`${defaultText}\nmaxMemoryBytes: 1000\n`).field).toBe('maxMemoryBytes');
    expect(errorOf(`${defaultText}\nmaxMemoryBytes: 1048576.5\n`).message).toContain('whole number');
    expect(errorOf(`${defaultText}\nmaxMemoryPolicy: allkeys-lfu\n`).field).toBe('maxMemoryPolicy');
  });

  it('bounds lag values as the runtime API does: one hour, Pareto shape and cap', () => {
    expect(errorOf(defaultText.replace('meanMs: 4', 'meanMs: 4000000')).field).toBe('network.jitter.meanMs');
    const pareto = defaultText.replace(
      '{ distribution: exponential, meanMs: 4 }',
      '{ distribution: pareto, scaleMs: 10, shape: 0.5 }',
    );
    expect(parseTopology(pareto).network.jitter).toEqual({ distribution: 'pareto', scaleMs: 10, shape: 0.5 });
    const capped = pareto.replace('shape: 0.5 }', 'shape: 0.5, maxMs: 5000 }');
    expect(parseTopology(capped).network.jitter).toMatchObject({ maxMs: 5000 });
    expect(errorOf(pareto.replace('shape: 0.5 }', 'shape: 0.5, maxMs: 5 }')).field).toBe('network.jitter.maxMs');
  });

  it('refuses unknown fields, bad YAML and a bad consistency default', () => {
    expect(errorOf(defaultText.replace('dataDir:', 'dataDirectory:')).field).toBe('dataDirectory');
    expect(errorOf('regions: [').field).toBe('(document)');
    expect(errorOf(defaultText.replace('defaultConsistency: eventual', 'defaultConsistency: linear')).field).toBe(
      'router.defaultConsistency',
    );
  });

  it('takes secrets from the environment over the file', () => {
    const config = applyEnvironment(parseTopology(defaultText), {
      MERIDIAN_TOKEN: 'from-env',
      MERIDIAN_ADMIN_TOKEN: '',
    });
    expect(config.auth.token).toBe('from-env');
    expect(config.auth.adminToken).toBeUndefined();
  });
});
