/**
 * Every command in the table over REST with a wrong argument count and against a key of every type:
 * the node answers a 4xx JSON error (or a per-entry error in a pipeline), never crashes, and a rejected
 * request leaves the keyspace as it was. Against a real redis-server, the errors match Redis's text.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, ReplyError } from '@meridian/engine';
import { MeridianNode } from '@meridian/node';
import { firstMismatch } from '../support/differential.js';
import { fuzzRuns } from '../support/fuzz.js';
import { normalizeReply, type Oracle, oracleWanted, withOracle } from '../support/oracle.js';
import { normalizeTokenReply, TOKEN_SETUP, tokenCommand } from '../support/token-commands.js';
import { commands, minimalInvocation, takesKeys, wrongArgumentCounts } from './support/invocations.js';
import { digest, isJsonError, seed, SEED_COMMANDS, send, TYPED_KEYS } from './support/rest.js';

const TOKEN = 'command-table-token';
const STREAM_PATHS = new Set(['subscribe', 'psubscribe', 'monitor']);
const REST_REFUSAL = /^ERR (blocking command '[a-z_]+' is not supported over REST|'[a-z_]+' is not supported)/;

function wrongArityInvocations(): string[][] {
  const out: string[][] = [];
  for (const info of commands) {
    for (const count of wrongArgumentCounts(info.arity)) {
      out.push([info.name, ...Array.from({ length: count - 1 }, (_, i) => (i === 0 ? TYPED_KEYS.string : '1'))]);
    }
  }
  return out;
}

describe('the command table over REST', () => {
  const node = new MeridianNode({ token: TOKEN, region: 'fault' });
  beforeAll(() => seed(node, TOKEN));
  afterAll(() => node.close());

  it('answers every wrong argument count with 400 and the arity error, keyspace unchanged', async () => {
    const before = digest(node);
    const invocations = wrongArityInvocations();
    expect(invocations.length).toBeGreaterThan(commands.length);
    for (const argv of invocations) {
      const answer = await send(node, '/', argv, { token: TOKEN });
      expect(isJsonError(answer), `${argv.join(' ')} → ${answer.status} ${answer.text}`).toBe(true);
      expect(answer.status).toBe(400);
      const error = (answer.json as { error: string }).error;
      if (!REST_REFUSAL.test(error)) expect(error).toBe(`ERR wrong number of arguments for '${argv[0]}' command`);
      // The path form too, with the arguments as segments (the stream paths are SSE endpoints).
      if (STREAM_PATHS.has(argv[0] as string)) continue;
      const path = await send(node, `/${argv.map(encodeURIComponent).join('/')}`, '', { token: TOKEN });
      expect(path.status, argv.join(' ')).toBe(400);
      expect(path.json).toEqual(answer.json);
    }
    expect(digest(node)).toBe(before);
  });

  it('answers a pipeline of wrong argument counts with 200 and one error per entry', async () => {
    const before = digest(node);
    const invocations = wrongArityInvocations();
    const answer = await send(node, '/pipeline', invocations, { token: TOKEN });
    expect(answer.status).toBe(200);
    const entries = answer.json as Record<string, unknown>[];
    expect(entries).toHaveLength(invocations.length);
    for (const entry of entries) {
      expect(Object.keys(entry)).toEqual(['error']);
      expect(entry['error']).toMatch(/^ERR /);
    }
    const transaction = await send(node, '/multi-exec', invocations, { token: TOKEN });
    expect(transaction.status).toBe(400);
    expect(isJsonError(transaction)).toBe(true);
    expect(digest(node)).toBe(before);
  });

  it('runs every key-taking command against a key of every type: an answer, never a crash; errors change nothing', async () => {
    let errors = 0;
    let wrongType = 0;
    for (const info of commands.filter(takesKeys)) {
      for (const key of Object.values(TYPED_KEYS)) {
        const argv = minimalInvocation(info, key);
        const before = digest(node);
        const answer = await send(node, '/', argv, { token: TOKEN });
        expect(answer.status, `${argv.join(' ')} → ${answer.text}`).toBeOneOf([200, 400]);
        const json = answer.json as Record<string, unknown>;
        expect(Object.keys(json)).toEqual([answer.status === 200 ? 'result' : 'error']);
        if (answer.status === 400) {
          errors++;
          if (String(json['error']).startsWith('WRONGTYPE ')) wrongType++;
          expect(digest(node), argv.join(' ')).toBe(before);
        } else {
          await seed(node, TOKEN);
        }
      }
    }
    expect(wrongType).toBeGreaterThan(100);
    expect(errors).toBeGreaterThan(wrongType);
  });
});

/** Commands newer than Redis 7.0 (answered "unknown command" by the oracle) are not compared. */
const UNKNOWN_TO_ORACLE = /^ERR unknown command/;

/**
 * Known deviations, listed so the rest stays guarded:
 * - COPY k k answers 0 instead of an error: what Upstash does (UPSTASH-REST.md).
 */
function isKnownDeviation(argv: readonly string[]): boolean {
  return argv[0] === 'copy' && argv[1] === argv[2];
}

describe.runIf(oracleWanted())('wrong types and arities against redis-server', () => {
  let oracle: Oracle;
  withOracle((started) => (oracle = started));

  async function seeded(): Promise<Engine> {
    await oracle.client.send(['FLUSHALL']);
    const engine = new Engine({ role: 'primary', random: () => 0.5 });
    for (const argv of SEED_COMMANDS) {
      engine.execute(argv, Date.now());
      await oracle.client.send(argv);
    }
    return engine;
  }

  it('gives the same error text as Redis whenever either side refuses', async () => {
    const mismatches: string[] = [];
    let compared = 0;
    let engine = await seeded();
    const runnable = commands.filter((info) => takesKeys(info) && !info.isBlocking);
    for (const info of runnable) {
      for (const key of Object.values(TYPED_KEYS)) {
        const argv = minimalInvocation(info, key);
        const ours = engine.execute(argv, Date.now()).reply;
        const redis = await oracle.client.send(argv);
        const redisError = redis instanceof ReplyError ? redis.message : undefined;
        if (redisError !== undefined && UNKNOWN_TO_ORACLE.test(redisError)) continue;
        if (isKnownDeviation(argv)) continue;
        const ourError = ours instanceof ReplyError ? ours.message : undefined;
        if (ourError !== undefined || redisError !== undefined) {
          compared++;
          if (ourError !== redisError) {
            mismatches.push(
              `${argv.join(' ')}: ours ${JSON.stringify(normalizeReply(ours))} redis ${JSON.stringify(normalizeReply(redis))}`,
            );
          }
        }
        if (ourError === undefined) engine = await seeded();
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(200);
  });

  it('answers random argument lists of edge tokens exactly as Redis, errors and their order included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tokenCommand, { minLength: 1, maxLength: 30 }), async (commands) => {
        expect(await firstMismatch(oracle, [...TOKEN_SETUP, ...commands], normalizeTokenReply)).toBeUndefined();
      }),
      fuzzRuns(300),
    );
  });
});
