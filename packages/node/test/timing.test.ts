import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MeridianNode, NodeLinks, wallClockCorrectionMs, wallClockMs } from '@meridian/node';

/**
 * The opt-in timing headers (x-meridian-timing): the primary's commit time and a replica's apply
 * time of an entry, from the nodes' own clocks, with nothing recorded until a request asks.
 */
const TOKEN = 'timing-token';
const SECRET = 'timing-secret';
const DELAY_MS = 40;

const started: MeridianNode[] = [];
afterEach(async () => {
  for (const node of started.splice(0).reverse()) await node.close();
});

async function start(node: MeridianNode): Promise<MeridianNode> {
  started.push(node);
  await node.start();
  return node;
}

interface Answer {
  body: unknown;
  headers: Headers;
  /** The wall clock (epoch ms, as the headers give it) when the answer arrived. */
  arrivedAtMs: number;
}

const clockMs = (): number => wallClockMs(performance.timeOrigin + performance.now());

async function send(url: string, argv: string[], headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, ...headers },
    body: JSON.stringify(argv),
  });
  const body: unknown = await response.json();
  return { body, headers: response.headers, arrivedAtMs: clockMs() };
}

async function until(check: () => boolean): Promise<void> {
  const deadlineMs = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadlineMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('timing headers', () => {
  it('align the node clock on the wall clock: Date.now() agrees to its millisecond', () => {
    const nowMs = (): number => performance.timeOrigin + performance.now();
    const correctionMs = wallClockCorrectionMs(nowMs);
    // A clock that runs 5 ms behind gets 5 ms more.
    expect(wallClockCorrectionMs(() => nowMs() - 5) - correctionMs).toBeCloseTo(5, 0);
    for (let i = 0; i < 100; i++) {
      const before = Date.now();
      const aligned = nowMs() + correctionMs;
      const after = Date.now();
      expect(aligned).toBeGreaterThanOrEqual(before - 0.1);
      expect(aligned).toBeLessThan(after + 1.1);
    }
  });

  it('keep looking at ticks while the process is preempted around them, so the alignment stays tight', () => {
    const nowMs = (): number => performance.timeOrigin + performance.now();
    const tight = wallClockCorrectionMs(nowMs);
    // The first 40 reads each take 0.9 ms (a process preempted while it aligns): the ticks caught
    // between them say the wall clock only to within 0.9 ms, the ones after to within µs.
    let slowReads = 40;
    const preempted = (): number => {
      if (slowReads-- > 0) {
        const untilMs = performance.now() + 0.9;
        while (performance.now() < untilMs);
      }
      return nowMs();
    };
    expect(Math.abs(wallClockCorrectionMs(preempted) - tight)).toBeLessThan(0.05);
  });

  it('answer with the commit and apply times of an entry, once asked to record them', async () => {
    const primary = await start(
      new MeridianNode({
        token: TOKEN,
        region: 'p',
        replication: { secret: SECRET, heartbeatMs: 20 },
        links: new NodeLinks([{ from: 'p', to: 'r', delayMs: DELAY_MS, jitter: undefined, jitterMode: 'per-message' }]),
        report: () => undefined,
      }),
    );
    const replica = await start(
      new MeridianNode({
        token: TOKEN,
        region: 'r',
        replication: { primaryUrl: primary.url, primaryRegion: 'p', secret: SECRET },
        report: () => undefined,
      }),
    );
    await until(() => replica.status()['masterLinkUp'] === true);
    const timing = { 'x-meridian-timing': '1' };

    // Without the header, an answer carries no times.
    const plain = await send(primary.url, ['SET', 'k', 'v0']);
    expect(plain.headers.get('x-meridian-committed-at')).toBeNull();
    // The first timing request arms the recording: its own write came before, so it has no time.
    const first = await send(primary.url, ['SET', 'k', 'v1'], timing);
    expect(first.headers.get('x-meridian-committed-at')).toBeNull();
    await send(replica.url, ['GET', 'k'], timing);

    const sentAtMs = clockMs();
    const write = await send(primary.url, ['SET', 'k', 'v2'], timing);
    const committedAtMs = Number(write.headers.get('x-meridian-committed-at'));
    expect(committedAtMs).toBeGreaterThanOrEqual(sentAtMs);
    expect(committedAtMs).toBeLessThanOrEqual(write.arrivedAtMs);
    expect(write.headers.get('x-meridian-committed-at')).toMatch(/^\d+\.\d{3}$/);

    // A session read the replica holds until it applied the write: the apply time of that entry.
    const token = write.headers.get('upstash-sync-token') as string;
    const read = await send(replica.url, ['GET', 'k'], { ...timing, 'upstash-sync-token': token });
    expect(read.body).toEqual({ result: 'v2' });
    const appliedAtMs = Number(read.headers.get('x-meridian-applied-at'));
    // The link's delay (a timer may fire up to a millisecond early), and before the answer arrived.
    expect(appliedAtMs - committedAtMs).toBeGreaterThanOrEqual(DELAY_MS - 1);
    expect(appliedAtMs).toBeLessThanOrEqual(read.arrivedAtMs);
    // Asked again once applied: the same entry's time, from the ring of recent ones.
    const again = await send(replica.url, ['GET', 'k'], { ...timing, 'upstash-sync-token': token });
    expect(Number(again.headers.get('x-meridian-applied-at'))).toBe(appliedAtMs);
    // A read without a sync token: the entry the answer's token names (the newest applied).
    const eventual = await send(replica.url, ['GET', 'k'], timing);
    expect(eventual.headers.get('upstash-sync-token')).toBe(token);
    expect(Number(eventual.headers.get('x-meridian-applied-at'))).toBe(appliedAtMs);
    expect((await send(replica.url, ['GET', 'k'])).headers.get('x-meridian-applied-at')).toBeNull();
  });
});
