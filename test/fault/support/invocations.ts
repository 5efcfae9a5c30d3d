/**
 * Invocations generated from the command table: the smallest well-formed argument count with
 * placeholder arguments, with a chosen key at every key position.
 */
import { type CommandInfo, commandTable } from '@meridian/engine';

/** Every command in the table, sorted by name. */
export const commands: readonly CommandInfo[] = [...commandTable.values()].sort((a, b) => (a.name < b.name ? -1 : 1));

/** Argument counts (name included) the arity rule forbids: one fewer and, for a fixed arity, one more. */
export function wrongArgumentCounts(arity: number): number[] {
  const counts = arity > 0 ? [arity - 1, arity + 1] : [-arity - 1];
  return counts.filter((count) => count >= 1);
}

/**
 * `[name, '1', '1', …]` of the minimal arity, then `key` at each key position the table gives for it
 * (numkeys forms read '1' as one key).
 */
export function minimalInvocation(info: CommandInfo, key: string, placeholder = '1'): string[] {
  const argc = Math.max(Math.abs(info.arity), takesKeys(info) ? 2 : 1);
  const argv = [info.name, ...Array.from({ length: argc - 1 }, () => placeholder)];
  for (const index of keyPositions(info, argv)) argv[index] = key;
  return argv;
}

function keyPositions(info: CommandInfo, argv: readonly string[]): number[] {
  if (info.keys !== undefined) {
    try {
      return info.keys(argv).filter((index) => index > 0 && index < argv.length);
    } catch {
      return [];
    }
  }
  if (info.firstKey === 0) return [];
  const last = info.lastKey < 0 ? argv.length + info.lastKey : info.lastKey;
  const positions: number[] = [];
  for (let i = info.firstKey; i <= last && i < argv.length; i += info.keyStep || 1) positions.push(i);
  return positions;
}

/** Whether the command names keys at all (as the table describes it). */
export function takesKeys(info: CommandInfo): boolean {
  return info.firstKey > 0 || info.keys !== undefined;
}
