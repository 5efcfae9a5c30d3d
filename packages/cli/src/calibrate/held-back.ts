import { SeededRandom, exponential } from '@meridian/lag';
import { drawFromQuantiles } from '@meridian/sim';

/** How calibrate's timed writes reached the link: their rate (Poisson) and the primary's heartbeat period. */
export interface PathTraffic {
  writesPerSecond: number;
  heartbeatMs: number;
}

/** Writes each replay sends: enough that its own sampling stays well under a 1,000-write calibration's. */
const REPLAY_WRITES = 50_000;
/** Corrections: the replay gives back the measured paths to its own sampling error after two or three. */
const ROUNDS = 4;

/**
 * The commit → applied paths as a write takes them when no earlier frame on its link holds it back
 * (µs, sorted), from the paths measured (µs).
 *
 * Calibrate's writes come at a live probe's rate with the primary's heartbeats between them, so a
 * slow path (a stall of either node) also made the writes sent just after it late, and those are
 * among the samples too. The simulated link keeps its frames in order as well: drawing the paths as
 * measured held frames back a second time. In a replay of one calibration of 1,000 writes the curve
 * came out wider than measured (p90 2.60 → 2.79 ms; an RMSE of 0.006 between the two over a live
 * comparison's grid). So the paths are replayed through an ordered link at the traffic they were
 * measured in, each quantile is lowered by what the replay added to it, and again, until the replay
 * gives back what was measured (to ~0.003 in that calibration, the replay's own sampling error).
 */
export function unheldPathsUs(measuredUs: readonly number[], traffic: PathTraffic): number[] {
  const measured = [...measuredUs].sort((a, b) => a - b);
  if (measured.length < 2) return measured;
  let paths = measured;
  for (let round = 0; round < ROUNDS; round++) {
    const replayed = orderedReplayUs(paths, traffic, round + 1);
    paths = paths
      .map((us, i) => {
        // What the replay gives at the level of measured[i] (p0 … p100 evenly over the measured).
        const replayedUs = drawFromQuantiles(replayed, i / (measured.length - 1));
        return Math.max(0, us - (replayedUs - (measured[i] as number)));
      })
      .sort((a, b) => a - b);
  }
  return paths;
}

/**
 * The paths writes take (µs, sorted) when each frame's own path is drawn from `paths` (sorted
 * quantiles) and a frame is never applied before the one sent ahead of it: Poisson writes, and a
 * heartbeat frame every `heartbeatMs`.
 */
export function orderedReplayUs(paths: readonly number[], traffic: PathTraffic, seed: number): number[] {
  const random = new SeededRandom(seed);
  const gap = exponential(1000 / traffic.writesPerSecond);
  const out: number[] = [];
  let nextWriteMs = gap.sample(random);
  let nextHeartbeatMs = traffic.heartbeatMs / 2;
  let lastAppliedMs = -Infinity;
  while (out.length < REPLAY_WRITES) {
    const write = nextWriteMs <= nextHeartbeatMs;
    const sentMs = write ? nextWriteMs : nextHeartbeatMs;
    lastAppliedMs = Math.max(lastAppliedMs, sentMs + drawFromQuantiles(paths, random.next()) / 1000);
    if (write) {
      out.push((lastAppliedMs - sentMs) * 1000);
      nextWriteMs += gap.sample(random);
    } else {
      nextHeartbeatMs += traffic.heartbeatMs;
    }
  }
  return out.sort((a, b) => a - b);
}
