import type { ByteString, Reply } from '@meridian/engine';
import type { BatchOutcome } from './executor.js';

/**
 * Commands of one pipeline run in one go before the node serves anyone else. Redis answers other
 * clients between pipelined commands; a node here runs a pipeline in slices of this many commands
 * and lets every other request (and health check) in between, so one huge pipeline cannot stall it.
 */
export const PIPELINE_SLICE_COMMANDS_DEFAULT = 1000;

/**
 * Commands one /multi-exec may hold. A transaction is atomic, so it runs as one slice and cannot
 * yield: its size is capped instead (MERIDIAN_TRANSACTION_TOO_LARGE).
 */
export const TRANSACTION_COMMANDS_MAX_DEFAULT = 10_000;

export function transactionTooLarge(commands: number, commandsMax: number): string {
  return `ERR transaction too large: ${commands} commands, at most ${commandsMax} in one /multi-exec (MERIDIAN_TRANSACTION_TOO_LARGE); split it, or send a /pipeline (not atomic)`;
}

/** Resolves on the next turn of the event loop, after pending I/O (other requests) is handled. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

type Commands = readonly (readonly ByteString[])[];

/**
 * Runs `commands` as consecutive slices of at most `sliceCommands`, each through `runSlice` (each
 * slice is then its own log entry), yielding to the event loop between slices. Replies come back in
 * order; the sync token is the last slice's. Slices start without waiting for the previous one to be
 * durable; the answer waits for all of them.
 */
export async function runInSlices(
  commands: Commands,
  sliceCommands: number,
  runSlice: (slice: Commands) => BatchOutcome | Promise<BatchOutcome>,
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
