/**
 * A read's consistency level (DESIGN.md's table): the one type, parser and printer that the node,
 * the router, the topology and the simulator use. A new level goes here (and into the read
 * decision, `decideRead`).
 */
export type Consistency =
  | { readonly level: 'eventual' | 'session' | 'strong' }
  | { readonly level: 'bounded'; readonly stalenessMsMax: number };

const BOUNDED = /^bounded=(\d{1,9})$/;

/** What a level is written as, for error messages. */
export const CONSISTENCY_SYNTAX = 'eventual, session, bounded=<ms> or strong';

/**
 * Parses `eventual | session | bounded=<ms> | strong` (any case, surrounding blanks ignored);
 * undefined when the text is none of them or not a single string (a repeated header).
 */
export function parseConsistency(text: string | readonly string[] | undefined): Consistency | undefined {
  if (typeof text !== 'string') return undefined;
  const value = text.trim().toLowerCase();
  if (value === 'eventual' || value === 'session' || value === 'strong') return { level: value };
  const bounded = BOUNDED.exec(value);
  return bounded === null ? undefined : { level: 'bounded', stalenessMsMax: Number(bounded[1]) };
}

/** The level as `parseConsistency` reads it. */
export function formatConsistency(consistency: Consistency): string {
  return consistency.level === 'bounded' ? `bounded=${consistency.stalenessMsMax}` : consistency.level;
}
