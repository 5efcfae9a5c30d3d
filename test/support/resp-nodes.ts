import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HistoryFile, MeridianNode, type MeridianNodeOptions, NodeLinks, openRegionStore } from '@meridian/node';

export const TOKEN = 'resp-token';
export const READONLY_TOKEN = 'resp-readonly';
const SECRET = 'resp-secret';

/** A primary and a replica in this process, over real WebSockets and SQLite, both serving RESP on free ports. */
export class RespPair {
  private constructor(
    readonly primary: MeridianNode,
    readonly replica: MeridianNode,
    private readonly dir: string,
  ) {}

  static async start(
    extra: Partial<MeridianNodeOptions> = {},
    primaryReplication: { waitMsMax?: number } = {},
  ): Promise<RespPair> {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-resp-'));
    const quiet = (): void => undefined;
    const common = { token: TOKEN, readonlyToken: READONLY_TOKEN, resp: { port: 0 }, report: quiet, ...extra };
    const primary = new MeridianNode({
      ...common,
      region: 'p',
      writeLog: openRegionStore({ dataDir: dir, region: 'p', policy: 'everysec' }).log,
      replication: { secret: SECRET, heartbeatMs: 20, ...primaryReplication },
      links: new NodeLinks([{ from: 'p', to: 'r', delayMs: 0, jitter: undefined, jitterMode: 'per-message' }]),
    });
    await primary.start();
    const store = openRegionStore({ dataDir: dir, region: 'r', policy: 'everysec' });
    const replica = new MeridianNode({
      ...common,
      region: 'r',
      writeLog: store.log,
      history: new HistoryFile(store.dir),
      replication: { primaryUrl: primary.url, primaryRegion: 'p', secret: SECRET, syncWaitMsMax: 2000 },
      links: new NodeLinks([{ from: 'r', to: 'p', delayMs: 0, jitter: undefined, jitterMode: 'per-message' }]),
    });
    await replica.start();
    const pair = new RespPair(primary, replica, dir);
    await pair.linked();
    return pair;
  }

  get primaryPort(): number {
    return this.primary.respPort as number;
  }

  get replicaPort(): number {
    return this.replica.respPort as number;
  }

  /** Waits until the replica has synced with the primary. */
  async linked(): Promise<void> {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (this.replica.replicationId !== '' && this.replica.replicationId === this.primary.replicationId) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('the replica did not sync');
  }

  async close(): Promise<void> {
    await this.replica.close();
    await this.primary.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
