import { describe, expect, it } from 'vitest';
import { SeededRandom, VirtualClock } from '@meridian/lag';
import {
  Election,
  type ElectionEvent,
  type ElectionMessage,
  type ElectionRole,
  type LogPosition,
} from '@meridian/core';

/** Regions on one virtual clock, messages delivered after `delayMs` unless the link is cut. */
function cluster(names: string[], options: { primary?: string; priorities?: Record<string, number> } = {}) {
  const clock = new VirtualClock(0);
  const cut = new Set<string>();
  const stopped = new Set<string>();
  const positions = new Map<string, LogPosition>(names.map((name) => [name, { epoch: 0, offset: 0 }]));
  const persisted = new Map<string, { term: number; votedFor: string | undefined }>();
  const roles: { region: string; role: ElectionRole; atMs: number }[] = [];
  const events: { region: string; event: ElectionEvent }[] = [];
  const random = new SeededRandom(7);
  const nodes = new Map<string, Election>();
  const deliver = (from: string, to: string, message: ElectionMessage): void => {
    if (cut.has(`${from}>${to}`) || stopped.has(to)) return;
    clock.setTimer(20, () => {
      if (cut.has(`${from}>${to}`) || stopped.has(to)) return;
      const answer = nodes.get(to)?.receive(message);
      if (answer !== undefined) deliver(to, from, answer);
    });
  };
  for (const name of names) {
    nodes.set(
      name,
      new Election({
        self: name,
        regions: names.map((region) => ({ name: region, priority: options.priorities?.[region] ?? 1 })),
        initial: { term: 0, votedFor: undefined, primary: options.primary ?? names[0] },
        ports: {
          clock,
          send: (to, message) => deliver(name, to, message),
          position: () => positions.get(name) as LogPosition,
          persist: (state) => persisted.set(name, { ...state }),
          onRole: (role) => roles.push({ region: name, role, atMs: clock.nowMs() }),
          onEvent: (event) => events.push({ region: name, event }),
          random: random.fork(name).asFunction(),
        },
      }),
    );
  }
  const node = (name: string): Election => nodes.get(name) as Election;
  const isolate = (name: string): void => {
    for (const other of names) if (other !== name) cut.add(`${name}>${other}`).add(`${other}>${name}`);
  };
  const primaries = (): string[] => names.filter((name) => !stopped.has(name) && node(name).holdsLease());
  return {
    clock,
    cut,
    stopped,
    positions,
    persisted,
    roles,
    events,
    node,
    isolate,
    primaries,
    start: () => nodes.forEach((n) => n.start()),
  };
}

describe('Election (core): terms, votes and the lease', () => {
  it('the configured primary takes a lease once a majority acknowledges its heartbeats, and keeps it', () => {
    const c = cluster(['a', 'b', 'c', 'd', 'e']);
    c.start();
    expect(c.node('a').holdsLease()).toBe(false);
    c.clock.advance(100);
    expect(c.primaries()).toEqual(['a']);
    c.clock.advance(20_000);
    expect(c.primaries()).toEqual(['a']);
    expect(c.node('b').term).toBe(0);
  });

  it('a stopped primary is replaced by the most up-to-date region, in a new epoch, after its lease ran out', () => {
    const c = cluster(['a', 'b', 'c', 'd', 'e']);
    c.start();
    c.clock.advance(1_000);
    c.stopped.add('a');
    c.node('a').stop();
    c.positions.set('c', { epoch: 0, offset: 10 });
    for (const name of ['b', 'd', 'e']) c.positions.set(name, { epoch: 0, offset: 9 });
    const leaseEndsBy = c.clock.nowMs() + 2_000;
    c.clock.advance(10_000);
    expect(c.primaries()).toEqual(['c']);
    expect(c.node('c').term).toBe(1);
    const elected = c.roles.find((r) => r.role.kind === 'primary' && r.region === 'c');
    expect(elected?.atMs).toBeGreaterThan(leaseEndsBy);
    // Each voter recorded its vote before answering.
    expect([...c.persisted.values()].every((state) => state.term === 1)).toBe(true);
  });

  it('a region cut off and back does not disturb a healthy primary (pre-vote), and never two leases', () => {
    const c = cluster(['a', 'b', 'c']);
    c.start();
    c.clock.advance(500);
    c.isolate('c');
    for (let i = 0; i < 100; i++) {
      c.clock.advance(100);
      expect(c.primaries().length).toBeLessThanOrEqual(1);
    }
    expect(c.node('c').term).toBe(0);
    c.cut.clear();
    c.clock.advance(5_000);
    expect(c.primaries()).toEqual(['a']);
    expect(c.node('a').term).toBe(0);
  });

  it('an isolated primary loses its lease before the others elect, and follows the new epoch when back', () => {
    const c = cluster(['a', 'b', 'c', 'd', 'e']);
    c.start();
    c.clock.advance(500);
    c.isolate('a');
    for (let i = 0; i < 150; i++) {
      c.clock.advance(50);
      expect(c.primaries().length).toBeLessThanOrEqual(1);
    }
    const [winner] = c.primaries();
    expect(winner).not.toBe('a');
    expect(c.node('a').holdsLease()).toBe(false);
    c.cut.clear();
    c.clock.advance(2_000);
    expect(c.node('a').role).toEqual({ kind: 'replica', term: c.node(winner as string).term, primary: winner });
  });

  it('a primary whose acknowledgements do not come back steps down so the others can elect', () => {
    const c = cluster(['a', 'b', 'c']);
    c.start();
    c.clock.advance(500);
    for (const other of ['b', 'c']) c.cut.add(`${other}>a`);
    c.clock.advance(15_000);
    expect(c.events.some((e) => e.region === 'a' && e.event.kind === 'stepped-down')).toBe(true);
    expect(c.primaries().length).toBe(1);
    expect(c.primaries()[0]).not.toBe('a');
  });

  it('a region of priority 0 never stands; a less up-to-date region does not win', () => {
    const c = cluster(['a', 'b', 'c'], { priorities: { b: 0 } });
    c.start();
    c.clock.advance(500);
    c.positions.set('b', { epoch: 0, offset: 50 });
    c.positions.set('c', { epoch: 0, offset: 40 });
    c.stopped.add('a');
    c.node('a').stop();
    c.clock.advance(30_000);
    // b has priority 0 and c is behind b: b refuses c its vote, and a is gone, so nobody wins.
    expect(c.primaries()).toEqual([]);
    c.positions.set('c', { epoch: 0, offset: 50 });
    c.clock.advance(30_000);
    expect(c.primaries()).toEqual(['c']);
  });

  it('a planned transfer: the primary resigns, the target stands at once and wins without waiting out the lease', () => {
    const c = cluster(['a', 'b', 'c']);
    c.start();
    c.clock.advance(500);
    // Without the resignation, the voters keep their lease promise to a: b cannot win yet.
    c.node('b').standNow(false);
    c.clock.advance(100);
    expect(c.primaries()).not.toContain('b');
    c.clock.advance(10_000);
    const [settled] = c.primaries();
    const other = settled === 'b' ? 'c' : 'b';
    const startedMs = c.clock.nowMs();
    c.node(settled as string).resign();
    expect(c.node(settled as string).holdsLease()).toBe(false);
    c.node(other).standNow(true);
    c.clock.advance(200);
    expect(c.primaries()).toEqual([other]);
    const elected = c.roles.find((r) => r.role.kind === 'primary' && r.region === other && r.atMs >= startedMs);
    expect((elected?.atMs ?? Infinity) - startedMs).toBeLessThan(200);
  });

  it('refuses settings that break the lease argument', () => {
    const c = () =>
      new Election({
        self: 'a',
        regions: [{ name: 'a', priority: 1 }],
        settings: { leaseMs: 5_000, electionTimeoutMs: 1_000 },
        initial: { term: 0, votedFor: undefined, primary: 'a' },
        ports: {
          clock: new VirtualClock(0),
          send: () => undefined,
          position: () => ({ epoch: 0, offset: 0 }),
          persist: () => undefined,
          onRole: () => undefined,
          random: () => 0.5,
        },
      });
    expect(c).toThrow(/electionTimeoutMs must be at least leaseMs/);
  });
});
