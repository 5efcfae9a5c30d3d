/**
 * Run counts for the differential properties. `npm test` runs each property `numRuns` times with
 * fast-check's random seed; a long sweep (`npm run fuzz:oracle`) multiplies every count by
 * MERIDIAN_FUZZ_SCALE, and MERIDIAN_FUZZ_SEED replays the seed a failure printed.
 */

/** fast-check parameters: `numRuns` times MERIDIAN_FUZZ_SCALE (default 1), seeded by MERIDIAN_FUZZ_SEED when set. */
export function fuzzRuns(numRuns: number): { numRuns: number; seed?: number } {
  const scale = envNumber('MERIDIAN_FUZZ_SCALE') ?? 1;
  const seed = envNumber('MERIDIAN_FUZZ_SEED');
  const runs = Math.max(1, Math.round(numRuns * scale));
  return seed === undefined ? { numRuns: runs } : { numRuns: runs, seed };
}

function envNumber(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new Error(`${name} must be a number, got ${JSON.stringify(text)}`);
  return value;
}
