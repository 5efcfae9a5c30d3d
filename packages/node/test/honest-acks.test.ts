import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryFile, MeridianNode, type RestResponse, openRegionStore } from '@meridian/node';

/**
 * A replica acks what its log has durably committed, not what it has queued: WAIT on the primary
 * counts a replica only for writes that replica would still hold after a crash. The replica's
 * SQLite log is made to fail its commits (SQLite's `max_page_count`, the SQLITE_FULL of a full disk).
 */
const TOKEN = 'honest-acks-token';
const SECRET = 'honest-acks-secret';
const dirs: string[] = [];
const nodes: MeridianNode[] = [];

afterEach(async () => {
  for (const node of nodes.splice(0).reverse()) {
    // Closing a log that failed reports that failure (by design); anything else is a real error.
    await node.close().catch((error: unknown) => {
      if ((error as { code?: unknown }).code !== 'MERIDIAN_STORE_WRITE_FAILED') throw error;
    });
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-honest-acks-'));
  dirs.push(dir);
  return dir;
}

async function call(node: MeridianNode, body: unknown): Promise<unknown> {
  const answer: RestResponse = await node.handle({
    method: 'POST',
    url: '/',
    headers: { authorization: `Bearer ${TOKEN}` },
    body: Buffer.from(JSON.stringify(body), 'utf8'),
  });
  return JSON.parse(answer.body.toString());
}

describe('honest acks: WAIT counts what replicas have durably committed', () => {
  it('a replica whose SQLite log fails to commit is not counted by WAIT, though it applied the write', async () => {
    const primaryStore = openRegionStore({ dataDir: tempDir(), region: 'p', policy: 'always' });
    const primary = new MeridianNode({
      token: TOKEN,
      region: 'p',
      writeLog: primaryStore.log,
      replication: { secret: SECRET, heartbeatMs: 20 },
      report: () => undefined,
    });
    nodes.push(primary);
    await primary.start();

    const replicaStore = openRegionStore({ dataDir: tempDir(), region: 'r', policy: 'always' });
    const reports: string[] = [];
    const replica = new MeridianNode({
      token: TOKEN,
      region: 'r',
      writeLog: replicaStore.log,
      history: new HistoryFile(replicaStore.dir),
      replication: { primaryUrl: primary.url, primaryRegion: 'p', secret: SECRET },
      report: (line) => reports.push(line),
    });
    nodes.push(replica);
    await replica.start();

    // Healthy: the replica commits and acks, and WAIT counts it.
    expect(await call(primary, ['SET', 'before', 'v'])).toEqual({ result: 'OK' });
    expect(await call(primary, ['WAIT', '1', '5000'])).toEqual({ result: 1 });

    // The replica's disk is full from now on: it still applies what it receives, but cannot commit it.
    const db = (replicaStore.log as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${Number(db.pragma('page_count', { simple: true }))}`);
    expect(await call(primary, ['SET', 'after', 'x'.repeat(64 * 1024)])).toEqual({ result: 'OK' });
    expect(await call(primary, ['WAIT', '1', '1000'])).toEqual({ result: 0 });
    expect(reports.some((line) => line.includes('failed to commit'))).toBe(true);
  });
});
