/**
 * Meridian's error scheme: every error the system raises carries a stable code
 * `MERIDIAN_<AREA>_<WHAT>`; code that branches on an error branches on its code, never on its text.
 */
export interface CodedError extends Error {
  readonly code: string;
}

/** Whether `error` carries a Meridian code (optionally this one). */
export function hasMeridianCode(error: unknown, code?: string): error is CodedError {
  const found = (error as { code?: unknown } | null | undefined)?.code;
  return typeof found === 'string' && found.startsWith('MERIDIAN_') && (code === undefined || found === code);
}

/** An error of the system's own (not a Redis reply) with its stable code `MERIDIAN_<AREA>_<WHAT>`. */
export class MeridianError extends Error implements CodedError {
  constructor(
    readonly code: `MERIDIAN_${string}`,
    message: string,
  ) {
    super(message);
    this.name = 'MeridianError';
  }
}

/** An invariant that did not hold: a bug, never bad input. Code MERIDIAN_ASSERT_FAILED. */
export class AssertionFailure extends Error implements CodedError {
  readonly code = 'MERIDIAN_ASSERT_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'AssertionFailure';
  }
}

/**
 * Checks an invariant, in production too (it is not compiled away): throws AssertionFailure with
 * `message` when `condition` is falsy. For bad input, throw the area's own coded error instead.
 */
export function assert(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new AssertionFailure(typeof message === 'string' ? message : message());
}
