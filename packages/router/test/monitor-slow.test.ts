import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { HttpRegionClient, OutboundAgents, REAL_TIMERS, RegionMonitor } from '@meridian/router';

describe('RegionMonitor and one slow request', () => {
  const closers: (() => void)[] = [];
  afterAll(() => {
    for (const close of closers) close();
  });

  it('keeps a region that misses one poll (busy with one big request) healthy; the second miss in a row marks it down', async () => {
    let polls = 0;
    let stallFrom = Infinity;
    const seenAtPoll: boolean[] = [];
    const holder: { monitor?: RegionMonitor } = {};
    const server = http.createServer((request, response) => {
      polls += 1;
      seenAtPoll[polls] = holder.monitor?.view('a')?.healthy ?? false;
      if (polls === 2 || polls >= stallFrom) return; // never answered: the poll times out
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ready: true, role: 'primary', appliedOffset: 1 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const agent = new OutboundAgents({ keepAlive: false }, undefined);
    closers.push(() => {
      server.closeAllConnections();
      server.close();
      agent.destroy();
    });
    const monitor = new RegionMonitor({
      regions: [{ name: 'a', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, isPrimary: true }],
      statusToken: 'token',
      pollIntervalMs: 10,
      pollTimeoutMs: 150,
      client: new HttpRegionClient(agent),
      clock: REAL_TIMERS,
    });
    holder.monitor = monitor;
    closers.push(() => monitor.stop());
    await monitor.start();
    expect(monitor.view('a')?.healthy).toBe(true);
    const until = async (condition: () => boolean): Promise<void> => {
      for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await until(() => polls >= 3);
    expect(seenAtPoll[3]).toBe(true); // poll 2 timed out, and the region was still in use
    await until(() => polls >= 5);
    stallFrom = polls + 1;
    const stalled = stallFrom;
    await until(() => polls >= stalled + 2);
    expect(monitor.view('a')?.healthy).toBe(false);
    expect(monitor.view('a')?.error).toContain('no answer within 150 ms');
  }, 20_000);
});
