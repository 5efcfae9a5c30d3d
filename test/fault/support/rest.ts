/** Calling a node's REST handler without a socket, and seeding it with one key of every type. */
import { digestKeyspace } from '@meridian/engine';
import type { MeridianNode } from '@meridian/node';

export interface Answer {
  readonly status: number;
  readonly text: string;
  /** The parsed JSON body (undefined when the body is not JSON). */
  readonly json: unknown;
}

export interface SendOptions {
  readonly method?: string;
  readonly token?: string | undefined;
  readonly headers?: Record<string, string>;
}

export async function send(
  node: MeridianNode,
  url: string,
  body: Buffer | string | unknown[],
  options: SendOptions = {},
): Promise<Answer> {
  const bytes = Buffer.isBuffer(body)
    ? body
    : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`;
  const answer = await node.handle({ method: options.method ?? 'POST', url, headers, body: bytes });
  const text = typeof answer.body === 'string' ? answer.body : answer.body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text) as unknown;
  } catch {
    json = undefined;
  }
  return { status: answer.status, text, json };
}

/** One key of each type (and a name that holds nothing). */
export const TYPED_KEYS = {
  string: 'k:string',
  list: 'k:list',
  hash: 'k:hash',
  set: 'k:set',
  zset: 'k:zset',
  stream: 'k:stream',
  none: 'k:missing',
} as const;

export const SEED_COMMANDS: readonly string[][] = [
  ['SET', TYPED_KEYS.string, '12'],
  ['RPUSH', TYPED_KEYS.list, 'a', 'b', 'c'],
  ['HSET', TYPED_KEYS.hash, 'field', '1', 'g', 'x'],
  ['SADD', TYPED_KEYS.set, 'member', 'a'],
  ['ZADD', TYPED_KEYS.zset, '1', 'member', '2', 'a'],
  ['XADD', TYPED_KEYS.stream, '1-0', 'f', 'v'],
  ['XGROUP', 'CREATE', TYPED_KEYS.stream, 'g', '0'],
];

/** Empties the node and writes SEED_COMMANDS through its REST handler. */
export async function seed(node: MeridianNode, token: string): Promise<void> {
  const answer = await send(node, '/pipeline', [['FLUSHALL'], ...SEED_COMMANDS], { token });
  const entries = answer.json as { result?: unknown; error?: string }[];
  if (answer.status !== 200 || entries.some((entry) => entry.error !== undefined)) {
    throw new Error(`seeding failed: ${answer.text}`);
  }
}

export function digest(node: MeridianNode): string {
  return digestKeyspace(node.engine.db);
}

/** A request-level or single-command failure: a 4xx with exactly `{"error": "<text>"}`. */
export function isJsonError(answer: Answer): answer is Answer & { json: { error: string } } {
  if (answer.status < 400 || answer.status >= 500) return false;
  const json = answer.json as Record<string, unknown> | undefined;
  return (
    typeof json === 'object' &&
    json !== null &&
    Object.keys(json).length === 1 &&
    typeof json['error'] === 'string' &&
    json['error'].length > 0
  );
}
