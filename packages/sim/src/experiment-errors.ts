/** An experiment that cannot run as asked. Code: MERIDIAN_EXPERIMENT_UNAVAILABLE. */
export class ExperimentUnavailableError extends Error {
  readonly code = 'MERIDIAN_EXPERIMENT_UNAVAILABLE';
}
