import { afterEach, describe, expect, it } from 'vitest';
import { SeededRandom } from '@meridian/lag';
import { WsConnector, type Connection } from '@meridian/replication';
import { converged, modes, type PrimaryHarness, startPrimary, startReplica } from './harness.js';

const FRAME_BYTES = 32 * 1024;
const stops: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

function int(random: SeededRandom, below: number): number {
  return Math.floor(random.next() * below);
}

/** One random command with values from a few bytes up to several frames. */
function randomCommand(random: SeededRandom, step: number): string[] {
  const key = `k${int(random, 6)}`;
  const size = random.next() < 0.3 ? FRAME_BYTES * (1 + int(random, 4)) : 1 + int(random, 2000);
  const members = (count: number): string[] =>
    Array.from({ length: count }, (_, i) => `${step}-${i}-`.padEnd(40 + int(random, 60), 'm'));
  switch (int(random, 9)) {
    case 0:
      return ['SET', `s${key}`, 'v'.repeat(size)];
    case 1:
      return ['APPEND', `s${key}`, 'a'.repeat(size)];
    case 2:
      return ['SETRANGE', `s${key}`, String(int(random, 4 * FRAME_BYTES)), 'r'.repeat(1 + int(random, 64))];
    case 3:
      return ['SADD', `set${key}`, ...members(1 + int(random, 1500))];
    case 4:
      return ['SPOP', `set${key}`, String(1 + int(random, 2000))];
    case 5:
      return ['RPUSH', `l${key}`, ...members(1 + int(random, 1500))];
    case 6:
      return ['LPOP', `l${key}`, String(1 + int(random, 2000))];
    case 7:
      return ['HSET', `h${key}`, ...members(2 * (1 + int(random, 700)))];
    default:
      return ['DEL', `s${key}`, `set${key}`];
  }
}

async function run(seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const primary: PrimaryHarness = await startPrimary({ frameBytesMax: FRAME_BYTES });
  stops.push(() => primary.stop());
  const connector = {
    connect: (): Promise<Connection> => new WsConnector({ url: primary.url, frameBytesMax: FRAME_BYTES }).connect(),
  };
  const early = startReplica(primary, { connector, replicaId: 'early' });
  stops.push(() => early.replica.stop());
  for (let step = 0; step < 150; step++) primary.write(...randomCommand(random, step));
  const late = startReplica(primary, { connector, replicaId: 'late' });
  stops.push(() => late.replica.stop());
  for (let step = 150; step < 300; step++) primary.write(...randomCommand(random, step));
  await converged(primary, early, 20_000);
  await converged(primary, late, 20_000);
  expect(modes(early.events)).toHaveLength(1);
  for (const replica of [early, late]) {
    expect(replica.events.filter((event) => event.kind === 'error')).toEqual([]);
  }
}

describe('seeded fuzz: large values replicate and converge', () => {
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: two replicas (one joining mid-run) equal the primary`, () => run(seed));
  }
});
