/**
 * The effects-replay property: running commands on a primary and applying the effects it emits
 * to a replica must leave both with the same keyspace.
 */
import { type ByteString, digestKeyspace, Engine, type Reply } from '@meridian/engine';

export interface ReplayRun {
  primary: Engine;
  replica: Engine;
  replies: Reply[];
}

/** A deterministic random source (mulberry32) for engines under test. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Runs `commands` on a primary (time advancing by `stepMs` per command, starting at `startMs`),
 * applies each command's effects to a replica at the same time, and returns both engines.
 */
export function runWithReplica(
  commands: readonly (readonly ByteString[])[],
  options: { seed?: number; startMs?: number; stepMs?: number } = {},
): ReplayRun {
  const primary = new Engine({ role: 'primary', random: seededRandom(options.seed ?? 1) });
  const replica = new Engine({ role: 'replica', random: seededRandom(99) });
  let nowMs = options.startMs ?? 1_700_000_000_000;
  const replies: Reply[] = [];
  for (const argv of commands) {
    const { reply, effects } = primary.execute(argv, nowMs);
    replies.push(reply);
    if (effects.length > 0) replica.applyEffects(effects, nowMs);
    nowMs += options.stepMs ?? 1;
  }
  return { primary, replica, replies };
}

/** Digest of both engines after a run; equal when replication is faithful. */
export function replayDigests(commands: readonly (readonly ByteString[])[], seed = 1): [string, string] {
  const { primary, replica } = runWithReplica(commands, { seed });
  return [digestKeyspace(primary.db), digestKeyspace(replica.db)];
}
