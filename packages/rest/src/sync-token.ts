/**
 * The `upstash-sync-token` value: `<replicationId>:<offset>`. The replication id names one history
 * of the write log (it changes when a history is replaced), the offset is a position in it.
 */
export interface SyncToken {
  readonly replicationId: string;
  readonly offset: number;
}

export const SYNC_TOKEN_HEADER = 'upstash-sync-token';

const REPLICATION_ID = /^[A-Za-z0-9_-]{1,64}$/;
const OFFSET = /^(?:0|[1-9][0-9]{0,15})$/;

export function formatSyncToken(replicationId: string, offset: number): string {
  return `${replicationId}:${offset}`;
}

/** Parses a token; anything unparseable (empty, foreign, garbage) is `undefined`, never an error. */
export function parseSyncToken(text: string | undefined): SyncToken | undefined {
  if (text === undefined || text.length === 0 || text.length > 96) return undefined;
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const replicationId = text.slice(0, colon);
  const offsetText = text.slice(colon + 1);
  if (!REPLICATION_ID.test(replicationId) || !OFFSET.test(offsetText)) return undefined;
  const offset = Number(offsetText);
  if (!Number.isSafeInteger(offset)) return undefined;
  return { replicationId, offset };
}
