import type { ByteString, Reply } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import type { BatchOutcome } from './primary-executor.js';

/**
 * Commands of one pipeline run in one go before the node serves anyone else. Redis answers other
 * clients between pipelined commands; a node here runs a pipeline in slices of this many commands
 * and lets every other request (and health check) in between, so one huge pipeline cannot stall it.
 */
export const PIPELINE_SLICE_COMMANDS_DEFAULT = 1000;

/** Resolves once other work may run: the node passes setImmediate's turn, the default is a 0 ms timer. */
export type YieldTurn = () => Promise<void>;

/** A turn on `clock` (a 0 ms timer): the default `YieldTurn` when the host gives none. */
export function clockTurn(clock: Clock): YieldTurn {
  return () => new Promise((resolve) => clock.setTimer(0, resolve));
}

type Commands = readonly (readonly ByteString[])[];

/**
 * Runs `commands` as consecutive slices of at most `sliceCommands`, each through `runSlice` (each
 * slice is then its own log entry), yielding (`nextTurn`) between slices. Replies come back in
 * order; the sync token is the last slice's. Slices start without waiting for the previous one to be
 * durable; the answer waits for all of them.
 */
export async function runInSlices(
  commands: Commands,
  sliceCommands: number,
  runSlice: (slice: Commands) => BatchOutcome | Promise<BatchOutcome>,
  nextTurn: YieldTurn,
): Promise<BatchOutcome> {
  const outcomes: (BatchOutcome | Promise<BatchOutcome>)[] = [];
  for (let start = 0; start < commands.length; start += sliceCommands) {
    if (start > 0) await nextTurn();
    outcomes.push(runSlice(commands.slice(start, start + sliceCommands)));
  }
  const settled = await Promise.all(outcomes);
  const replies: Reply[] = [];
  for (const outcome of settled) {
    if (Array.isArray(outcome.replies)) for (const reply of outcome.replies) replies.push(reply);
  }
  const last = settled[settled.length - 1] as BatchOutcome;
  return { replies, syncToken: last.syncToken, stalenessMs: last.stalenessMs };
}
