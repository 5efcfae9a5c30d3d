import { describe, expect, it } from 'vitest';
import { MeridianNode, type RestResponse } from '@meridian/node';
import { type AppendResult, type EffectCommand, MemoryWriteLog } from '@meridian/store';

const TOKEN = 'standard-token';

function request(url: string, body: unknown): Parameters<MeridianNode['handle']>[0] {
  return {
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  };
}

/** A log whose entries become durable only when released, each with its own promise. */
class HeldLog extends MemoryWriteLog {
  readonly release: (() => void)[] = [];
  override append(timeMs: number, effects: readonly EffectCommand[]): AppendResult {
    const { offset } = super.append(timeMs, effects);
    return { offset, durable: new Promise<void>((resolve) => this.release.push(resolve)) };
  }
}

describe('answers without waiting a turn', () => {
  it('once a log that is durable on append has been seen durable', async () => {
    const node = new MeridianNode({ token: TOKEN });
    const first = node.handle(request('/', ['SET', 'a', '1']));
    expect(first).toBeInstanceOf(Promise);
    await first;
    const second = node.handle(
      request('/pipeline', [
        ['SET', 'b', '2'],
        ['GET', 'b'],
        ['INCR', 'n'],
      ]),
    );
    expect(second).not.toBeInstanceOf(Promise);
    const response = second as RestResponse;
    expect(JSON.parse(response.body.toString())).toEqual([{ result: 'OK' }, { result: '2' }, { result: 1 }]);
    expect(response.headers['upstash-sync-token']).toMatch(/:2$/);
    const single = node.handle(request('/', ['SET', 'c', '3']));
    expect(single).not.toBeInstanceOf(Promise);
    expect((single as RestResponse).headers['upstash-sync-token']).toMatch(/:3$/);
  });

  it('but still waits for every entry of a log that makes each durable later', async () => {
    const log = new HeldLog();
    const node = new MeridianNode({ token: TOKEN, writeLog: log });
    for (let i = 0; i < 3; i++) {
      const pending = node.handle(
        request('/pipeline', [
          ['SET', `k${i}`, 'v'],
          ['GET', `k${i}`],
        ]),
      );
      expect(pending).toBeInstanceOf(Promise);
      let answered = false;
      void Promise.resolve(pending).then(() => (answered = true));
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(answered).toBe(false);
      log.release.shift()?.();
      expect(JSON.parse((await pending).body.toString())).toEqual([{ result: 'OK' }, { result: 'v' }]);
    }
  });
});
