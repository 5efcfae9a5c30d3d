import { CommandError } from '../../reply.js';
import { type Json, isJsonObject } from '../../types/json.js';

/** One step of a path. */
type Step =
  | { kind: 'member'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'wildcard' }
  | { kind: 'descend' }
  | { kind: 'slice'; start: number | undefined; end: number | undefined; step: number }
  | { kind: 'union'; items: (string | number)[] }
  | { kind: 'filter'; test: (value: Json) => boolean };

/** A place a path found: the value and how to reach it again (for writes). */
export interface Match {
  readonly value: Json;
  /** undefined for the root. */
  readonly parent: Json[] | { [key: string]: Json } | undefined;
  readonly key: string | number | undefined;
}

/**
 * A parsed path. `legacy`: RedisJSON 1's form (`.a.b`, `a[0]`, `.`), which answers one value
 * (the first match) and errors when nothing matches; `$…` is JSONPath, answering every match.
 */
export interface JsonPath {
  readonly text: string;
  readonly legacy: boolean;
  readonly steps: readonly Step[];
}

const ERR_SYNTAX = (text: string): CommandError => new CommandError(`ERR JSON path syntax error: ${text}`);

export function parsePath(text: string): JsonPath {
  const legacy = !text.startsWith('$');
  let rest = legacy ? text : text.slice(1);
  if (legacy && (rest === '.' || rest === '')) return { text, legacy, steps: [] };
  if (legacy && !rest.startsWith('.') && !rest.startsWith('[')) rest = `.${rest}`;
  const steps: Step[] = [];
  let i = 0;
  const name = /^[A-Za-z_$\u0080-\uffff][\w$\u0080-\uffff-]*/;
  while (i < rest.length) {
    const at = rest.slice(i);
    if (at.startsWith('..')) {
      steps.push({ kind: 'descend' });
      i += 2;
      if (rest[i] === '*') {
        steps.push({ kind: 'wildcard' });
        i++;
      } else if (rest[i] !== '[') {
        const match = name.exec(rest.slice(i));
        if (match === null) throw ERR_SYNTAX(text);
        steps.push({ kind: 'member', name: match[0] });
        i += match[0].length;
      }
    } else if (at.startsWith('.*')) {
      steps.push({ kind: 'wildcard' });
      i += 2;
    } else if (at.startsWith('.')) {
      const match = name.exec(at.slice(1));
      if (match === null) throw ERR_SYNTAX(text);
      steps.push({ kind: 'member', name: match[0] });
      i += 1 + match[0].length;
    } else if (at.startsWith('[')) {
      const close = findClose(rest, i);
      if (close < 0) throw ERR_SYNTAX(text);
      steps.push(bracket(rest.slice(i + 1, close).trim(), text));
      i = close + 1;
    } else {
      throw ERR_SYNTAX(text);
    }
  }
  return { text, legacy, steps };
}

function findClose(text: string, open: number): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') {
      depth--;
      if (depth === 0 && c === ']') return i;
    }
  }
  return -1;
}

function unquote(text: string): string | undefined {
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text[text.length - 1] === text[0]) {
    const body = text.slice(1, -1);
    return text[0] === '"' ? (JSON.parse(`"${body}"`) as string) : body.replace(/\\'/g, "'");
  }
  return undefined;
}

function bracket(inner: string, text: string): Step {
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) return { kind: 'filter', test: parseFilter(inner.slice(1).trim(), text) };
  const parts = splitTop(inner, ',');
  if (parts.length > 1) {
    return {
      kind: 'union',
      items: parts.map((part) => {
        const quoted = unquote(part.trim());
        if (quoted !== undefined) return quoted;
        const index = Number(part.trim());
        if (!Number.isInteger(index)) throw ERR_SYNTAX(text);
        return index;
      }),
    };
  }
  const quoted = unquote(inner);
  if (quoted !== undefined) return { kind: 'member', name: quoted };
  if (inner.includes(':')) {
    const [start, end, step] = inner.split(':').map((part) => (part.trim() === '' ? undefined : Number(part)));
    if ([start, end, step].some((n) => n !== undefined && !Number.isInteger(n))) throw ERR_SYNTAX(text);
    return { kind: 'slice', start, end, step: step ?? 1 };
  }
  const index = Number(inner);
  if (!Number.isInteger(index)) throw ERR_SYNTAX(text);
  return { kind: 'index', index };
}

function splitTop(text: string, separator: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let depth = 0;
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(from, i));
      from = i + separator.length;
      i += separator.length - 1;
    }
  }
  parts.push(text.slice(from));
  return parts;
}

/** `(@.price < 10 && @.tag == "x")`: comparisons of `@`-paths and literals, with && || and !. */
function parseFilter(expression: string, text: string): (value: Json) => boolean {
  let body = expression.trim();
  if (body.startsWith('(') && body.endsWith(')')) body = body.slice(1, -1).trim();
  const or = splitTop(body, '||');
  if (or.length > 1) {
    const tests = or.map((part) => parseFilter(part, text));
    return (value) => tests.some((test) => test(value));
  }
  const and = splitTop(body, '&&');
  if (and.length > 1) {
    const tests = and.map((part) => parseFilter(part, text));
    return (value) => tests.every((test) => test(value));
  }
  if (body.startsWith('!')) {
    const test = parseFilter(body.slice(1), text);
    return (value) => !test(value);
  }
  if (body.startsWith('(') && body.endsWith(')')) return parseFilter(body, text);
  const comparison = /^(.+?)\s*(==|!=|<=|>=|<|>|=~)\s*(.+)$/.exec(body);
  if (comparison === null) {
    const operand = parseOperand(body, text);
    return (value) => operand(value) !== undefined;
  }
  const [, left, op, right] = comparison as unknown as [string, string, string, string];
  const a = parseOperand(left, text);
  const b = parseOperand(right, text);
  return (value) => compare(a(value), op, b(value));
}

function parseOperand(text: string, whole: string): (value: Json) => Json | undefined {
  const trimmed = text.trim();
  if (trimmed.startsWith('@')) {
    const path = parsePath(`$${trimmed.slice(1)}`);
    return (value) => evaluate(value, path)[0]?.value;
  }
  if (trimmed.startsWith('/') && trimmed.lastIndexOf('/') > 0) {
    const close = trimmed.lastIndexOf('/');
    const pattern = trimmed.slice(1, close);
    return () => pattern;
  }
  try {
    const literal = JSON.parse(trimmed.startsWith("'") ? JSON.stringify(trimmed.slice(1, -1)) : trimmed) as Json;
    return () => literal;
  } catch {
    throw ERR_SYNTAX(whole);
  }
}

function compare(a: Json | undefined, op: string, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return op === '!=' && a !== b;
  switch (op) {
    case '==':
      return JSON.stringify(a) === JSON.stringify(b);
    case '!=':
      return JSON.stringify(a) !== JSON.stringify(b);
    case '=~':
      return typeof a === 'string' && typeof b === 'string' && new RegExp(b).test(a);
  }
  if (typeof a === 'number' && typeof b === 'number') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
  }
  return false;
}

function children(value: Json): Match[] {
  if (Array.isArray(value)) return value.map((item, index) => ({ value: item, parent: value, key: index }));
  if (isJsonObject(value)) return Object.keys(value).map((key) => ({ value: value[key] as Json, parent: value, key }));
  return [];
}

function descendants(match: Match): Match[] {
  const out: Match[] = [match];
  for (const child of children(match.value)) out.push(...descendants(child));
  return out;
}

function applyStep(current: Match[], step: Step): Match[] {
  const out: Match[] = [];
  for (const match of current) {
    const value = match.value;
    switch (step.kind) {
      case 'member':
        if (isJsonObject(value) && Object.hasOwn(value, step.name)) {
          out.push({ value: value[step.name] as Json, parent: value, key: step.name });
        }
        break;
      case 'index':
        if (Array.isArray(value)) {
          const index = step.index < 0 ? value.length + step.index : step.index;
          if (index >= 0 && index < value.length) out.push({ value: value[index] as Json, parent: value, key: index });
        }
        break;
      case 'wildcard':
        out.push(...children(value));
        break;
      case 'descend':
        out.push(...descendants(match));
        break;
      case 'slice':
        if (Array.isArray(value)) {
          const n = value.length;
          const norm = (i: number | undefined, fallback: number): number =>
            i === undefined ? fallback : i < 0 ? Math.max(0, n + i) : Math.min(n, i);
          const start = norm(step.start, 0);
          const end = norm(step.end, n);
          for (let i = start; step.step > 0 && i < end; i += step.step) {
            out.push({ value: value[i] as Json, parent: value, key: i });
          }
        }
        break;
      case 'union':
        for (const item of step.items) {
          out.push(
            ...applyStep(
              [match],
              typeof item === 'number' ? { kind: 'index', index: item } : { kind: 'member', name: item },
            ),
          );
        }
        break;
      case 'filter':
        for (const child of children(value)) if (step.test(child.value)) out.push(child);
        break;
    }
  }
  return out;
}

/** Every match of `path` in `root`, in document order. */
export function evaluate(root: Json, path: JsonPath): Match[] {
  let current: Match[] = [{ value: root, parent: undefined, key: undefined }];
  for (const step of path.steps) current = applyStep(current, step);
  if (path.legacy) return current.slice(0, 1);
  return current;
}

/**
 * Where JSON.SET may add a new member: the path without its last step (a member name) matches
 * objects that lack it. Answers those objects and the name.
 */
export function creationPoints(root: Json, path: JsonPath): { parent: { [key: string]: Json }; name: string }[] {
  const last = path.steps[path.steps.length - 1];
  if (last === undefined || last.kind !== 'member') return [];
  const parents = evaluate(root, { ...path, steps: path.steps.slice(0, -1), legacy: false });
  const out: { parent: { [key: string]: Json }; name: string }[] = [];
  for (const parent of path.legacy ? parents.slice(0, 1) : parents) {
    if (isJsonObject(parent.value) && !Object.hasOwn(parent.value, last.name))
      out.push({ parent: parent.value, name: last.name });
  }
  return out;
}

/** Replaces the value at a match (not the root). */
export function replaceAt(match: Match, value: Json): void {
  const { parent, key } = match;
  if (parent === undefined || key === undefined) return;
  if (Array.isArray(parent)) parent[key as number] = value;
  else parent[key as string] = value;
}

/** Removes the value at a match from its parent (not the root). */
export function removeAt(match: Match): void {
  const { parent, key } = match;
  if (parent === undefined || key === undefined) return;
  if (Array.isArray(parent)) parent.splice(key as number, 1);
  else delete parent[key as string];
}
