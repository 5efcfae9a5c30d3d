/** A read's consistency level (DESIGN.md's table). */
export type Consistency =
  { level: 'eventual' } | { level: 'session' } | { level: 'bounded'; stalenessMsMax: number } | { level: 'strong' };

/** Parses `eventual | session | bounded=<ms> | strong`; undefined when the text is none of them. */
export function parseConsistency(text: string | undefined): Consistency | undefined {
  if (text === undefined) return undefined;
  const value = text.trim().toLowerCase();
  if (value === 'eventual' || value === 'session' || value === 'strong') return { level: value };
  const bounded = /^bounded=(\d{1,9})$/.exec(value);
  if (bounded) return { level: 'bounded', stalenessMsMax: Number(bounded[1]) };
  return undefined;
}

export function formatConsistency(consistency: Consistency): string {
  return consistency.level === 'bounded' ? `bounded=${consistency.stalenessMsMax}` : consistency.level;
}
