import { describe, expect, it } from 'vitest';
import { simulate } from '@meridian/sim';
import { PubsubLog } from '../src/model/pubsub-log.js';
import { quickOptions, topology } from './helpers.js';

const REGIONS = ['a', 'b', 'c'];

describe('PubsubLog', () => {
  it('forgets a message once it is committed and received everywhere, and counts it', () => {
    const log = new PubsubLog(REGIONS);
    const id = log.issue(100, true);
    log.received('a', id, 101);
    log.committed(id, 7, 100.5);
    log.received('b', id, 150);
    expect(log.openCount).toBe(1);
    // A second receipt in a region does not count, and does not close the message.
    log.received('b', id, 999);
    expect(log.openCount).toBe(1);
    expect(log.receivedAt('b', id)).toBe(150);
    log.received('c', id, 200);
    expect(log.openCount).toBe(0);
    expect(log.message(id)).toBeUndefined();
    const b = log.figuresOf('b');
    expect(b.published).toBe(1);
    expect(b.delivered).toBe(1);
    expect(b.deliveryMs.max).toBe(49.5);
    expect(b.endToEndMs.max).toBe(50);
  });

  it('at the end, counts what each region missed as lost, leaves out uncommitted and unmeasured messages', () => {
    const log = new PubsubLog(REGIONS);
    const missed = log.issue(0, true);
    log.committed(missed, 1, 1);
    log.received('a', missed, 2);
    const uncommitted = log.issue(0, true);
    log.received('a', uncommitted, 3);
    const unmeasured = log.issue(0, false);
    log.committed(unmeasured, 2, 1);
    for (const region of REGIONS) log.received(region, unmeasured, 5);
    expect(log.openCount).toBe(2);
    expect(log.issued).toBe(2);
    const a = log.figuresOf('a');
    const c = log.figuresOf('c');
    expect(log.openCount).toBe(0);
    expect([a.published, a.delivered, a.deliveryMs.count]).toEqual([1, 1, 1]);
    expect([c.published, c.delivered, c.deliveryMs.count]).toEqual([1, 0, 0]);
  });

  it('a simulated run keeps only the messages not yet received everywhere, not one per message published', async () => {
    const options = quickOptions(
      topology(3, '  delay: 30\n  jitter: { distribution: exponential, meanMs: 5 }'),
      (o) => {
        o.durationMs = 5_000;
        o.workload.publishesPerSecond = 200;
      },
    );
    const outcome = await simulate(options, 'test');
    // Nothing has read the figures yet (that folds what is still open): every message reached every
    // region during the run and was folded and forgotten as it did.
    expect(outcome.recorder.pubsub.issued).toBeGreaterThan(800);
    expect(outcome.recorder.pubsub.openCount).toBe(0);
    expect(outcome.recorder.pubsub.figuresOf('us-east-1').published).toBe(outcome.recorder.pubsub.issued);
  });

  it('a region whose node stays down: only the messages it never received stay open, and count as lost there', async () => {
    const options = quickOptions(topology(3, '  delay: 30'), (o) => {
      o.durationMs = 4_000;
      o.workload.publishesPerSecond = 100;
      o.faults = [{ kind: 'replica-crash', region: 'eu-west-1', atMs: 1_000 }];
    });
    const outcome = await simulate(options, 'test');
    const pubsub = outcome.recorder.pubsub;
    const open = pubsub.openCount;
    expect(open).toBeGreaterThan(100);
    expect(open).toBeLessThan(pubsub.issued);
    const down = pubsub.figuresOf('eu-west-1');
    expect(down.published - down.delivered).toBe(open);
    expect(pubsub.figuresOf('ap-southeast-1').delivered).toBe(down.published);
  });
});
