import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { MeridianNode, type RestResponse } from '@meridian/node';
import { SqliteWriteLog } from '@meridian/store';

/**
 * A primary whose SQLite log runs out of room (SQLite's `max_page_count`, the same SQLITE_FULL a
 * full disk gives): the write that could not be stored answers MISCONF and must not stay visible.
 */
const TOKEN = 'store-failure-token';
const dirs: string[] = [];
const nodes: MeridianNode[] = [];

afterEach(async () => {
  // Closing a log that failed reports that failure (by design); anything else is a real error.
  for (const node of nodes.splice(0)) {
    await node.close().catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'MERIDIAN_STORE_WRITE_FAILED') throw error;
    });
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function call(node: MeridianNode, body: unknown, url = '/'): Promise<RestResponse> {
  return node.handle({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${TOKEN}` },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });
}

function json(response: RestResponse): unknown {
  return JSON.parse(response.body.toString());
}

function fullNode(): { node: MeridianNode; log: SqliteWriteLog; reports: string[]; capPages: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-store-failure-'));
  dirs.push(dir);
  const log = SqliteWriteLog.open({ policy: 'always', dataDir: dir });
  const reports: string[] = [];
  const node = new MeridianNode({
    token: TOKEN,
    writeLog: log,
    replicationId: 'h1',
    report: (line) => reports.push(line),
  });
  nodes.push(node);
  // The log's own connection (exclusive locking: no other connection may open the file).
  const db = (log as unknown as { db: Database.Database }).db;
  const capPages = (): void => {
    const pages = Number(db.pragma('page_count', { simple: true }));
    db.pragma(`max_page_count = ${pages}`);
  };
  return { node, log, reports, capPages };
}

describe('a primary whose write log cannot store a write', () => {
  it('answers MISCONF and the refused write is not visible afterwards; earlier writes are', async () => {
    const { node, log, reports, capPages } = fullNode();
    expect(json(await call(node, ['SET', 'kept', 'v1']))).toEqual({ result: 'OK' });
    expect(json(await call(node, ['HSET', 'h', 'f', '1']))).toEqual({ result: 1 });
    capPages();
    const big = 'x'.repeat(64 * 1024);
    const refused = await call(node, ['SET', 'refused', big]);
    expect(refused.status).toBe(400);
    expect(json(refused)).toEqual({
      error: expect.stringMatching(
        /^MISCONF Errors writing to the write log: write log commit failed: database or disk is full\./,
      ),
    });
    // Overwrites and deletes that were refused are undone too.
    expect(json(await call(node, ['GET', 'refused']))).toEqual({ result: null });
    expect(json(await call(node, ['GET', 'kept']))).toEqual({ result: 'v1' });
    expect(json(await call(node, ['HGETALL', 'h']))).toEqual({ result: ['f', '1'] });
    expect(json(await call(node, ['DBSIZE']))).toEqual({ result: 2 });
    expect(log.lastOffset()).toBe(2);
    // Later writes are refused before they run: nothing changes, reads keep working.
    expect(json(await call(node, ['DEL', 'kept']))).toEqual({ error: expect.stringMatching(/^MISCONF/) });
    expect(json(await call(node, ['GET', 'kept']))).toEqual({ result: 'v1' });
    expect(reports.some((line) => line.includes('the write log failed, writes are refused until restart'))).toBe(true);
  });

  it('a refused pipeline leaves none of its writes behind', async () => {
    const { node, capPages } = fullNode();
    expect(json(await call(node, ['SET', 'a', '1']))).toEqual({ result: 'OK' });
    expect(json(await call(node, ['PUBLISH', 'news', 'before']))).toEqual({ result: 0 });
    capPages();
    const big = 'y'.repeat(64 * 1024);
    const pipeline = await call(
      node,
      [
        ['INCR', 'a'],
        ['SET', 'b', big],
      ],
      '/pipeline',
    );
    expect(json(pipeline)).toEqual([
      { error: expect.stringMatching(/^MISCONF/) },
      { error: expect.stringMatching(/^MISCONF/) },
    ]);
    expect(json(await call(node, ['MGET', 'a', 'b']))).toEqual({ result: ['1', null] });
  });
});
