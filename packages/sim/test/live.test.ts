import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseTopology } from '@meridian/topology';
import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@meridian/lag';
import { HttpLiveTopology, kolmogorovSmirnov, relocateTopologyText } from '@meridian/sim';
import { checkLiveReads, type LiveRead, type LiveWrite } from '../src/live-checks.js';
import { Recorder } from '../src/model/recorder.js';
import type { SimClient } from '../src/model/workload.js';

function client(id: number, level = 'session'): SimClient {
  return {
    id,
    region: 'eu-west-1',
    consistency: { level: 'session' } as SimClient['consistency'],
    level,
    token: 0,
    ownWrites: new Map(),
    observed: new Map(),
  };
}

describe('kolmogorovSmirnov', () => {
  it('accepts two samples of one distribution and rejects a shifted one', () => {
    const random = new SeededRandom(3);
    const draw = (shift: number): number[] =>
      Array.from({ length: 400 }, () => shift + 50 - 10 * Math.log(random.nextOpen()));
    const same = kolmogorovSmirnov(draw(0), draw(0), 0.01);
    expect(same.d).toBeLessThan(same.critical);
    expect(same.pValue).toBeGreaterThan(0.01);
    const shifted = kolmogorovSmirnov(draw(0), draw(8), 0.01);
    expect(shifted.d).toBeGreaterThan(shifted.critical);
    expect(shifted.pValue).toBeLessThan(0.01);
  });

  it('computes D exactly on small samples', () => {
    expect(kolmogorovSmirnov([1, 2, 3], [1, 2, 3]).d).toBe(0);
    expect(kolmogorovSmirnov([1, 2], [3, 4]).d).toBe(1);
    expect(kolmogorovSmirnov([1, 2, 3, 4], [3, 4, 5, 6]).d).toBe(0.5);
    expect(() => kolmogorovSmirnov([], [1])).toThrow(/non-empty/);
  });
});

describe('checkLiveReads', () => {
  it('judges stale reads, read-your-writes and monotonic reads by wall-clock order', () => {
    const alice = client(1);
    const bob = client(2, 'eventual');
    const writes: LiveWrite[] = [
      { client: alice, key: 0, writeId: 1, ackMs: 10, offset: 5 },
      { client: bob, key: 0, writeId: 2, ackMs: 30, offset: 9 },
    ];
    const reads: LiveRead[] = [
      // before any acknowledged write: nothing is stale
      { client: bob, key: 0, writeId: 0, startMs: 5, endMs: 8, servedByPrimary: false },
      // alice misses her own write (offset 5): stale and a read-your-writes violation
      { client: alice, key: 0, writeId: 0, startMs: 12, endMs: 14, servedByPrimary: false },
      // bob sees his own newest write
      { client: bob, key: 0, writeId: 2, startMs: 31, endMs: 33, servedByPrimary: true },
      // then an older one: stale and a monotonic violation
      { client: bob, key: 0, writeId: 1, startMs: 40, endMs: 41, servedByPrimary: false },
      // a value whose write was never acknowledged counts as new
      { client: alice, key: 0, writeId: 77, startMs: 50, endMs: 52, servedByPrimary: false },
    ];
    const recorder = new Recorder(['eu-west-1'], ['us-east-1', 'eu-west-1']);
    expect(checkLiveReads(writes, reads, recorder)).toBe(5);
    const session = recorder.reads.get('eu-west-1|session')!;
    const eventual = recorder.reads.get('eu-west-1|eventual')!;
    expect(session).toMatchObject({ reads: 2, stale: 1, readYourWritesViolations: 1, monotonicViolations: 0 });
    expect(eventual).toMatchObject({
      reads: 3,
      stale: 1,
      readYourWritesViolations: 1,
      monotonicViolations: 1,
      servedByPrimary: 1,
    });
    expect(Array.from(eventual.latenciesMs.sample())).toEqual([1, 2, 3]);
  });
});

describe('relocateTopologyText', () => {
  it('moves every region and the router to the given ports and the data folder, keeping the rest', () => {
    const text = `version: 1
primary: a # the primary
dataDir: ./data
regions:
  - { name: a, location: { lat: 1, lon: 2 }, host: 0.0.0.0, port: 7701 }
  - name: b
    location: { lat: 3, lon: 4 }
    port: 7702
network: { delay: 50 }
`;
    const moved = relocateTopologyText(text, {
      regionPorts: { a: 4001, b: 4002 },
      routerPort: 4000,
      dataDir: '/tmp/x',
    });
    const config = parseTopology(moved);
    expect(config.regions.map((r) => [r.name, r.host, r.port])).toEqual([
      ['a', '127.0.0.1', 4001],
      ['b', '127.0.0.1', 4002],
    ]);
    expect(config.router.port).toBe(4000);
    expect(config.dataDir).toBe('/tmp/x');
    expect(config.network.delay).toBe(50);
    expect(moved).toContain('# the primary');
    expect(() => relocateTopologyText(text, { regionPorts: { a: 1 }, routerPort: 2, dataDir: '/' })).toThrow(/b/);
  });
});

describe('HttpLiveTopology', () => {
  let server: http.Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('speaks REST and the admin endpoints with the right tokens', async () => {
    const seen: { method: string; url: string; auth: string; body: string; headers: http.IncomingHttpHeaders }[] = [];
    server = http.createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          auth: request.headers.authorization ?? '',
          body,
          headers: request.headers,
        });
        response.setHeader('upstash-sync-token', 'abc:7');
        if (request.url === '/_meridian/status') response.end(JSON.stringify({ appliedOffset: 7, stalenessMs: 3 }));
        else if (request.url === '/_meridian/digest') response.end(JSON.stringify({ offset: 7, digest: 'd' }));
        else if (request.url === '/_meridian/lag') response.end(JSON.stringify({ links: [], matched: 1 }));
        else response.end(JSON.stringify({ result: 'OK' }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const live = new HttpLiveTopology({
      regions: [{ name: 'a', isPrimary: true, url }],
      token: 'rest',
      adminToken: 'admin',
    });
    try {
      const answer = await live.request('a', ['SET', 'k', 'v'], { 'x-meridian-consistency': 'strong' });
      expect(answer).toMatchObject({ status: 200, body: { result: 'OK' } });
      expect(answer.headers['upstash-sync-token']).toBe('abc:7');
      expect(await live.adminStatus('a')).toEqual({ appliedOffset: 7, stalenessMs: 3 });
      expect(await live.digest('a')).toEqual({ offset: 7, digest: 'd' });
      await live.setLink('a', 'b', { partitioned: true });
      await live.setLink('a', 'b', { delayMs: 300 });
      await live.setLink('a', 'b', {});
      expect(live.supervised).toBe(false);
      await expect(live.crash('a')).rejects.toThrow(/launched itself/);
    } finally {
      live.close();
    }
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/', auth: 'Bearer rest', body: '["SET","k","v"]' });
    expect(seen[0]?.headers['x-meridian-consistency']).toBe('strong');
    expect(seen[1]).toMatchObject({ method: 'GET', url: '/_meridian/status', auth: 'Bearer admin' });
    expect(seen.slice(3).map((request) => JSON.parse(request.body) as unknown)).toEqual([
      { action: 'partition', from: 'a', to: 'b' },
      { action: 'set', from: 'a', to: 'b', delayMs: 300 },
      { action: 'clear', from: 'a', to: 'b' },
    ]);
  });
});
