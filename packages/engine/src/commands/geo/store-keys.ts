import type { ByteString } from '../../bytes.js';

/** Key positions of GEORADIUS[BYMEMBER]: the source, and the STORE/STOREDIST destination if any. */
export function georadiusKeys(argv: readonly ByteString[], base: number): number[] {
  const positions = [1];
  for (let i = base; i + 1 < argv.length; i++) {
    const option = (argv[i] as ByteString).toLowerCase();
    if (option === 'store' || option === 'storedist') {
      positions.push(i + 1);
      i++;
    }
  }
  return positions;
}
