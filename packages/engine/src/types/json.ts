/** A JSON document (RedisJSON's key type, TYPE answers `ReJSON-RL`). */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export class JsonValue {
  readonly type = 'ReJSON-RL';
  constructor(public root: Json) {}

  /** The document as compact JSON text (how snapshots and replication carry it). */
  dump(): string {
    return serializeJson(this.root);
  }

  static load(text: string): JsonValue {
    return new JsonValue(JSON.parse(text) as Json);
  }

  clone(): JsonValue {
    return JsonValue.load(this.dump());
  }
}

export function isJsonObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** RedisJSON's type names. */
export function jsonTypeName(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) && !Object.is(value, -0) ? 'integer' : 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** Numbers as RedisJSON prints them: integers plain, other numbers shortest round-trip with a fraction. */
function serializeNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
  const text = String(value);
  return /[.e]/.test(text) ? text.replace('e+', 'e') : `${text}.0`;
}

/** JSON text of a value; `indent`, `newline` and `space` as JSON.GET's formatting options. */
export function serializeJson(
  value: Json,
  format: { indent: string; newline: string; space: string } = NO_FORMAT,
  depth = 0,
): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return serializeNumber(value);
  if (typeof value === 'string') return JSON.stringify(value);
  const inner = format.newline + format.indent.repeat(depth + 1);
  const outer = format.newline + format.indent.repeat(depth);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[${inner}${value.map((item) => serializeJson(item, format, depth + 1)).join(`,${inner}`)}${outer}]`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  const members = keys.map(
    (key) => `${JSON.stringify(key)}:${format.space}${serializeJson(value[key] as Json, format, depth + 1)}`,
  );
  return `{${inner}${members.join(`,${inner}`)}${outer}}`;
}

const NO_FORMAT = { indent: '', newline: '', space: '' };
