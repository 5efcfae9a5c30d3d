import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Reply, ReplyError } from '@meridian/engine';
import { MeridianNode } from '@meridian/node';
import { encodeJsonEntries, encodeJsonResult, encodeResp } from '@meridian/rest';
import { fuzzRuns } from '../support/fuzz.js';
import { type Oracle, oracleWanted, startOracle } from '../support/oracle.js';

/*
 * The REST layer end to end against a real Redis: the same commands go over HTTP to a node and
 * over RESP to redis-server; the node's body must be exactly what encoding Redis's reply gives.
 */

const TOKEN = 'differential-token';
const bytesArbitrary = fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes).toString('latin1'));
const KEYS = ['a', 'b', 'k:1', '\xff\x00'];
const key = fc.constantFrom(...KEYS);
const value = fc.oneof(fc.constantFrom('', 'OK', '1', 'héllo'), bytesArbitrary);
const command = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ['SET', k, v]),
  fc.tuple(key, value, fc.constantFrom('NX', 'XX', 'GET', 'EX', 'nx', 'PX')).map(([k, v, o]) => ['SET', k, v, o]),
  fc
    .tuple(key, value, fc.constantFrom('EX', 'px'), fc.constantFrom('100', '0', '-1', 'x', '99999999999999999999'))
    .map(([k, v, u, n]) => ['SET', k, v, u, n]),
  key.map((k) => ['GET', k]),
  fc.array(key, { maxLength: 3 }).map((keys) => ['DEL', ...keys]),
  fc.array(value, { maxLength: 2 }).map((args) => ['PING', ...args]),
  fc.array(value, { maxLength: 2 }).map((args) => ['ECHO', ...args]),
  fc.constantFrom(['GET'], ['get', 'a', 'b'], ['SET', 'a'], ['NOSUCH', 'x']),
);

let node: MeridianNode;
let url: string;
let oracle: Oracle;

async function viaRest(path: string, body: unknown, format: 'base64' | 'resp2'): Promise<string> {
  const headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` };
  if (format === 'base64') headers['upstash-encoding'] = 'base64';
  else headers['upstash-response-format'] = 'resp2';
  const response = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return Buffer.from(await response.arrayBuffer()).toString(format === 'base64' ? 'utf8' : 'latin1');
}

/** JSON text strings reach the node as their UTF-8 bytes, so send each byte string as latin1 decoded to text. */
function asText(argv: readonly string[]): string[] {
  return argv.map((arg) => Buffer.from(arg, 'latin1').toString('utf8'));
}

function sentBytes(argv: readonly string[]): string[] {
  return asText(argv).map((text) => Buffer.from(text, 'utf8').toString('latin1'));
}

describe.runIf(oracleWanted())('REST vs redis-server', () => {
  beforeAll(async () => {
    oracle = await startOracle();
    node = new MeridianNode({ token: TOKEN, port: 0 });
    url = await node.start();
  });

  afterAll(async () => {
    await node.close();
    await oracle.stop();
  });

  async function reset(): Promise<void> {
    await oracle.client.send(['FLUSHALL']);
    await viaRest('/', asText(['DEL', ...KEYS]), 'base64');
  }

  it('single commands answer what Redis answers, in base64 JSON and in RESP2', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (commands) => {
        await reset();
        for (const argv of commands) {
          const bytes = sentBytes(argv);
          const expected = await oracle.client.send(bytes);
          const format = bytes.length % 2 === 0 ? 'base64' : 'resp2';
          const body = await viaRest('/', asText(argv), format);
          const wanted = format === 'base64' ? encodeJsonResult(expected, true) : encodeResp(expected);
          expect({ argv: bytes, body }).toEqual({ argv: bytes, body: wanted });
        }
      }),
      fuzzRuns(60),
    );
  });

  it('pipelines and transactions answer what Redis answers', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 8 }), fc.boolean(), async (commands, atomic) => {
        await reset();
        const sent = commands.map(sentBytes);
        const expected: Reply[] = [];
        if (atomic) await oracle.client.send(['MULTI']);
        for (const argv of sent) expected.push(await oracle.client.send(argv));
        const body = await viaRest(atomic ? '/multi-exec' : '/pipeline', commands.map(asText), 'base64');
        if (!atomic) {
          expect(body).toBe(encodeJsonEntries(expected, true));
          return;
        }
        const exec = await oracle.client.send(['EXEC']);
        if (exec instanceof ReplyError) expect(JSON.parse(body)).toEqual({ error: exec.message });
        else expect(body).toBe(encodeJsonEntries(exec as Reply[], true));
      }),
      fuzzRuns(60),
    );
  });
});
