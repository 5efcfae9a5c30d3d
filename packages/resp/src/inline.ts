import type { ByteString } from '@meridian/engine';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

function isSpace(char: string): boolean {
  return char === ' ' || char === '\n' || char === '\r' || char === '\t' || char === '\v' || char === '\f';
}

function isHex(char: string | undefined): boolean {
  return char !== undefined && /^[0-9a-fA-F]$/.test(char);
}

/** One quoted argument from `start` (at the opening quote): [value, index after it] or undefined. */
function quoted(line: string, start: number): [string, number] | undefined {
  const quote = line[start];
  let value = '';
  let i = start + 1;
  for (;;) {
    const char = line[i];
    if (char === undefined) return undefined;
    if (quote === '"' && char === '\\' && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
      value += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
      i += 4;
    } else if (char === '\\' && i + 1 < line.length && (quote === '"' || line[i + 1] === "'")) {
      const next = line[i + 1] as string;
      value += quote === '"' ? (ESCAPES[next] ?? next) : next;
      i += 2;
    } else if (char === quote) {
      const after = line[i + 1];
      if (after !== undefined && !isSpace(after)) return undefined;
      return [value, i + 1];
    } else {
      value += char;
      i++;
    }
  }
}

/**
 * Splits an inline command line as redis-cli and Redis do (sdssplitargs): spaces separate
 * arguments, "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take \'.
 * undefined: unbalanced quotes.
 */
export function splitInline(line: ByteString): ByteString[] | undefined {
  const args: ByteString[] = [];
  let i = 0;
  for (;;) {
    while (i < line.length && isSpace(line[i] as string)) i++;
    if (i >= line.length) return args;
    let value = '';
    while (i < line.length && !isSpace(line[i] as string)) {
      const char = line[i] as string;
      if (char === '"' || char === "'") {
        const part = quoted(line, i);
        if (part === undefined) return undefined;
        value += part[0];
        i = part[1];
        break;
      }
      value += char;
      i++;
    }
    args.push(value);
  }
}
