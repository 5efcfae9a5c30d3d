export { PIPELINE_SLICE_COMMANDS_DEFAULT } from '@meridian/core';

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
