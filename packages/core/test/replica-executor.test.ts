import { describe, expect, it } from 'vitest';
import {
  type Consistency,
  decideRead,
  type ReadDecider,
  ReplicaExecutor,
  type RestResponse,
  type RunResult,
} from '@meridian/core';
import { Engine } from '@meridian/engine';
import { VirtualClock } from '@meridian/lag';
import type { SyncToken } from '@meridian/rest';

/** The replica's executor as the node and the simulator both build it, over fake ports. */
function replica(options: { stalenessMs?: number; history?: string; reaches?: boolean; decide?: ReadDecider } = {}) {
  const forwarded: string[] = [];
  const waited: number[] = [];
  const executor = new ReplicaExecutor({
    engine: new Engine({ role: 'replica' }),
    clock: new VirtualClock(1_700_000_000_000),
    position: {
      appliedOffset: 5,
      waitForOffset: (offset) => {
        waited.push(offset);
        return Promise.resolve(options.reaches ?? false);
      },
    },
    replicationId: () => options.history ?? 'h1',
    stalenessMs: () => options.stalenessMs ?? 10,
    forwarder: {
      forward: (request): Promise<RestResponse> => {
        forwarded.push(request.url);
        return Promise.resolve({ status: 200, headers: {}, body: 'from the primary' });
      },
    },
    syncWaitMsMax: 100,
    ...(options.decide === undefined ? {} : { decide: options.decide }),
  });
  const run = async (consistency?: Consistency, syncToken?: SyncToken, argv = ['GET', 'k']): Promise<string> => {
    const result: RunResult = await executor.run(
      { kind: 'command', argv },
      { consistency, syncToken, request: { method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) } },
    );
    return 'forwarded' in result ? 'primary' : 'local';
  };
  return { run, forwarded, waited };
}

describe("the replica's executor (core): read decision, sync-token wait and forwarding", () => {
  it('serves eventual and in-bound reads locally; strong, out-of-bound, writes and unknown staleness go to the primary', async () => {
    const { run } = replica();
    expect(await run({ level: 'eventual' })).toBe('local');
    expect(await run({ level: 'bounded', stalenessMsMax: 50 })).toBe('local');
    expect(await run({ level: 'bounded', stalenessMsMax: 5 })).toBe('primary');
    expect(await run({ level: 'strong' })).toBe('primary');
    expect(await run(undefined, undefined, ['SET', 'k', 'v'])).toBe('primary');
    expect(await run(undefined, undefined, ['WAIT', '1'])).toBe('primary');
    expect(await replica({ stalenessMs: Infinity }).run({ level: 'eventual' })).toBe('primary');
    expect(await replica({ history: '' }).run({ level: 'eventual' })).toBe('primary');
  });

  it('waits for a sync token of its history, and hands the read on when it is not reached; another history goes at once', async () => {
    const slow = replica({ reaches: false });
    expect(await slow.run({ level: 'session' }, { replicationId: 'h1', offset: 4 })).toBe('local');
    expect(await slow.run({ level: 'session' }, { replicationId: 'h1', offset: 9 })).toBe('primary');
    expect(slow.waited).toEqual([9]);
    expect(await replica({ reaches: true }).run({ level: 'session' }, { replicationId: 'h1', offset: 9 })).toBe(
      'local',
    );
    const other = replica();
    expect(await other.run({ level: 'session' }, { replicationId: 'h0', offset: 1 })).toBe('primary');
    expect(other.waited).toEqual([]);
  });

  it('asks the command table for each kind of command: a read served here says nothing of another count of arguments or another script', async () => {
    const { run } = replica();
    expect(await run(undefined, undefined, ['GET', 'k'])).toBe('local');
    expect(await run(undefined, undefined, ['GET', 'other'])).toBe('local');
    expect(await run(undefined, undefined, ['WAIT', '1', '0'])).toBe('primary');
    expect(await run(undefined, undefined, ['WAIT', '1', '0', 'x'])).toBe('primary');
    expect(await run(undefined, undefined, ['EVAL', '#!lua flags=no-writes\nreturn 1', '0'])).toBe('local');
    expect(await run(undefined, undefined, ['EVAL', "return redis.call('SET', 'k', 'v')", '0'])).toBe('primary');
    expect(await run(undefined, undefined, ['GET', 'k'])).toBe('local');
    expect(await run(undefined, undefined, ['SET', 'k', 'v'])).toBe('primary');
  });

  it('runs the decision it is given (the simulator and a test can swap it); decideRead by default', async () => {
    const always: ReadDecider = () => ({ kind: 'forward', reason: 'strong' });
    expect(await replica({ decide: always }).run({ level: 'eventual' })).toBe('primary');
    const same: ReadDecider = (state, consistency, token) => decideRead(state, consistency, token);
    expect(await replica({ decide: same }).run({ level: 'eventual' })).toBe('local');
  });

  it('answers with the sync token and staleness of the position it answered at, whatever the replica reaches later', async () => {
    const position = { appliedOffset: 5, waitForOffset: () => Promise.resolve(true) };
    let history = 'h1';
    const executor = new ReplicaExecutor({
      engine: new Engine({ role: 'replica' }),
      clock: new VirtualClock(1_700_000_000_000),
      position,
      replicationId: () => history,
      stalenessMs: () => 10,
      forwarder: { forward: () => Promise.reject(new Error('not forwarded')) },
      syncWaitMsMax: 100,
    });
    const request = { method: 'POST', url: '/', headers: {}, body: Buffer.alloc(0) };
    const one = await executor.run(
      { kind: 'command', argv: ['GET', 'k'] },
      { consistency: undefined, syncToken: undefined, request },
    );
    const many = await executor.run(
      {
        kind: 'pipeline',
        commands: [
          ['GET', 'k'],
          ['GET', 'j'],
        ],
      },
      { consistency: undefined, syncToken: undefined, request },
    );
    expect(executor.currentSyncToken()).toBe('h1:5');
    position.appliedOffset = 9;
    history = 'h2';
    for (const [result, replies] of [
      [one, 1],
      [many, 2],
    ] as const) {
      if ('forwarded' in result) throw new Error('answered by the primary');
      expect(result.syncToken).toBe('h1:5');
      expect(result.stalenessMs).toBe(10);
      expect(result.replies).toHaveLength(replies);
      const { syncToken } = result;
      expect(syncToken).toBe('h1:5');
    }
    expect(executor.currentSyncToken()).toBe('h2:9');
  });
});
