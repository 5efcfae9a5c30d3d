import { describe, expect, it } from 'vitest';
import {
  classifyRequest,
  clientDelayMs,
  isWriteCommand,
  leadingCommandName,
  locateClient,
  rankRegions,
} from '@meridian/router';
import { threeRegionConfig } from './topology-fixture.js';

const body = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

describe('classifyRequest', () => {
  it('uses the command table for single commands in every form', () => {
    expect(classifyRequest('POST', '/', body(['SET', 'k', 'v']))).toEqual({ kind: 'write' });
    expect(classifyRequest('POST', '/', body(['get', 'k']))).toEqual({ kind: 'read' });
    expect(classifyRequest('GET', '/Incr/k', Buffer.alloc(0))).toEqual({ kind: 'write' });
    expect(classifyRequest('GET', '/zrange/k/0/-1', Buffer.alloc(0))).toEqual({ kind: 'read' });
    expect(classifyRequest('POST', '/%73et/k', Buffer.from('v'))).toEqual({ kind: 'write' });
  });

  it('reads a plain leading command name from the bytes, and parses anything less plain whole', () => {
    const raw = (text: string): Buffer => Buffer.from(text, 'utf8');
    expect(leadingCommandName(raw(' [ "set" , "k", "v"]'))).toBe('set');
    expect(leadingCommandName(raw('["PING"]'))).toBe('PING');
    expect(leadingCommandName(raw('["S\\u0045T","k","v"]'))).toBeUndefined();
    expect(leadingCommandName(raw('[1,"k"]'))).toBeUndefined();
    expect(leadingCommandName(raw('["SET"'))).toBeUndefined();
    expect(leadingCommandName(raw('{"SET":1}'))).toBeUndefined();
    expect(leadingCommandName(raw('["séT","k"]'))).toBeUndefined();
    // The same class either way.
    for (const text of ['["S\\u0045T","k","v"]', '[ "set" , "k", "v"]', '["get","k"]', '[1]', 'nope', '["DEL"']) {
      const viaParse = classifyRequest('POST', '/pipeline', raw(`[${text}]`));
      const single = classifyRequest('POST', '/', raw(text));
      if (viaParse.kind === 'write') expect(single, text).toEqual({ kind: 'write' });
    }
    expect(classifyRequest('POST', '/?_token=x', raw('["S\\u0045T","k","v"]'))).toEqual({ kind: 'write' });
    expect(classifyRequest('POST', '/', raw('["DEL"'))).toEqual({ kind: 'read' }); // malformed: the nearest node answers
  });

  it('sends pipelines with any write, transactions, scripts and PUBLISH to the primary', () => {
    expect(
      classifyRequest(
        'POST',
        '/pipeline',
        body([
          ['GET', 'a'],
          ['HGETALL', 'h'],
        ]),
      ),
    ).toEqual({ kind: 'read' });
    expect(
      classifyRequest(
        'POST',
        '/pipeline',
        body([
          ['GET', 'a'],
          ['DEL', 'a'],
        ]),
      ),
    ).toEqual({ kind: 'write' });
    expect(classifyRequest('POST', '/multi-exec', body([['GET', 'a']]))).toEqual({ kind: 'write' });
    expect(isWriteCommand('EVAL')).toBe(true);
    expect(isWriteCommand('evalsha')).toBe(true);
    expect(isWriteCommand('publish')).toBe(true);
    expect(isWriteCommand('ping')).toBe(false);
    expect(isWriteCommand('nosuchcommand')).toBe(false);
  });

  it('treats malformed bodies as reads (the node answers the error), streams and admin paths apart', () => {
    expect(classifyRequest('POST', '/', Buffer.from('not json'))).toEqual({ kind: 'read' });
    expect(classifyRequest('POST', '/pipeline', Buffer.alloc(0))).toEqual({ kind: 'read' });
    expect(classifyRequest('POST', '/subscribe/news', body([]))).toEqual({ kind: 'stream' });
    expect(classifyRequest('GET', '/_meridian/status', Buffer.alloc(0))).toEqual({ kind: 'local', endpoint: 'status' });
    expect(classifyRequest('OPTIONS', '/', Buffer.alloc(0))).toEqual({ kind: 'preflight' });
  });
});

describe('client location and ranking', () => {
  const config = threeRegionConfig();

  it('ranks by modelled delay from the client region, nearest first', () => {
    expect(rankRegions(config, locateClient(config, 'ap-southeast-1', undefined))).toEqual([
      'ap-southeast-1',
      'eu-west-1',
      'us-east-1',
    ]);
    expect(rankRegions(config, locateClient(config, 'eu-west-1', undefined))).toEqual([
      'eu-west-1',
      'us-east-1',
      'ap-southeast-1',
    ]);
    expect(rankRegions(config, locateClient(config, undefined, undefined))[0]).toBe('us-east-1');
    expect(rankRegions(config, locateClient(config, undefined, '-33.9,151.2'))[0]).toBe('ap-southeast-1');
  });

  it('models ≈100 ms one way between Singapore and N. Virginia, 0 inside a region, and honours link overrides', () => {
    const sg = locateClient(config, 'ap-southeast-1', undefined);
    expect(clientDelayMs(config, sg, 'us-east-1')).toBeCloseTo(100, 5);
    expect(clientDelayMs(config, sg, 'ap-southeast-1')).toBe(0);
    const withOverride = {
      ...config,
      network: { ...config.network, links: [{ from: 'ap-southeast-1', to: 'us-east-1', delayMs: 5 }] },
    };
    expect(clientDelayMs(withOverride, sg, 'us-east-1')).toBe(5);
    expect(rankRegions(withOverride, sg)).toEqual(['ap-southeast-1', 'us-east-1', 'eu-west-1']);
  });
});
