import { type ByteString, type Reply, ReplyError } from '@meridian/engine';
import { parseReplies } from '@meridian/resp';
import {
  ARGUMENT_ENCODING_HEADER,
  parseSyncToken,
  RESPONSE_FORMAT_HEADER,
  type RestRequest,
  SYNC_TOKEN_HEADER,
} from '@meridian/rest';
import type { CommandBatch, CommandRouter, ForwardedOutcome, RunContext, RunResult } from '@meridian/core';

/** How a session runs commands on its node. */
export interface Execution {
  /** The token the connection authenticated with (a replica hands it on with forwarded writes). */
  credential: string | undefined;
  command(argv: readonly ByteString[]): Reply | Promise<Reply>;
  /**
   * Replies, the single error that discarded the transaction, or null when a watched key changed
   * (`watch`: on a replica, the keys and the offset the client watched them at; the primary checks).
   */
  transaction(
    commands: readonly (readonly ByteString[])[],
    watch?: WatchGuard,
  ): Reply[] | ReplyError | null | Promise<Reply[] | ReplyError | null>;
}

/** What a replica's forwarded EXEC asks the primary to check: no watched key changed after `offset`. */
export interface WatchGuard {
  readonly offset: number;
  readonly keys: readonly ByteString[];
}

/** The request header of a forwarded EXEC with WATCHed keys (its first command is WATCH <keys>). */
export const WATCH_OFFSET_HEADER = 'x-meridian-watch-offset';

const ERR_FORWARD_ANSWER = 'ERR the primary answered something that is not RESP';

/**
 * Runs commands through the node's `CommandRouter` (the REST path): on a replica, reads run
 * locally once the replica has this connection's last write; writes and transactions go to the
 * primary over the replica's forwarder as an HTTP request in RESP2 format. The connection keeps
 * the sync token of its last answer, so it reads its own writes.
 */
export class RouterExecution implements Execution {
  credential: string | undefined;
  private syncToken: string | undefined;

  constructor(private readonly router: CommandRouter) {}

  command(argv: readonly ByteString[]): Reply | Promise<Reply> {
    const result = this.router.run(
      { kind: 'command', argv },
      this.context('/', () => argv),
    );
    if (result instanceof Promise) return result.then((settled) => this.first(settled));
    return this.first(result);
  }

  transaction(
    commands: readonly (readonly ByteString[])[],
    watch?: WatchGuard,
  ): Reply[] | ReplyError | null | Promise<Reply[] | ReplyError | null> {
    const batch: CommandBatch = { kind: 'transaction', commands };
    const guarded = watch !== undefined && watch.keys.length > 0;
    const result = this.router.run(
      batch,
      this.context(
        '/multi-exec',
        () => (guarded ? [['WATCH', ...watch.keys], ...commands] : commands),
        guarded ? { [WATCH_OFFSET_HEADER]: String(watch.offset) } : {},
      ),
    );
    const settle = (settled: RunResult): Reply[] | ReplyError | null => {
      const replies = this.replies(settled);
      if (replies instanceof ReplyError) return replies;
      if ('forwarded' in settled) {
        const array = replies[0];
        if (array === null) return null; // the primary saw a watched key change: EXEC aborted
        return Array.isArray(array)
          ? (array as Reply[])
          : ((array as ReplyError | undefined) ?? new ReplyError(ERR_FORWARD_ANSWER));
      }
      return replies;
    };
    return result instanceof Promise ? result.then(settle) : settle(result);
  }

  private first(result: RunResult): Reply {
    const replies = this.replies(result);
    if (replies instanceof ReplyError) return replies;
    return replies.length > 0 ? (replies[0] as Reply) : new ReplyError(ERR_FORWARD_ANSWER);
  }

  private replies(result: RunResult): Reply[] | ReplyError {
    if (!('forwarded' in result)) {
      this.syncToken = result.syncToken;
      return result.replies;
    }
    return this.forwardedReplies(result.forwarded);
  }

  private forwardedReplies(response: ForwardedOutcome['forwarded']): Reply[] | ReplyError {
    const token = response.headers[SYNC_TOKEN_HEADER];
    if (typeof token === 'string' && token !== '') this.syncToken = token;
    const body = typeof response.body === 'string' ? response.body : Buffer.from(response.body).toString('latin1');
    if ((response.headers['content-type'] ?? '').includes('json')) {
      try {
        const parsed = JSON.parse(body) as { error?: unknown };
        return new ReplyError(typeof parsed.error === 'string' ? parsed.error : ERR_FORWARD_ANSWER);
      } catch {
        return new ReplyError(ERR_FORWARD_ANSWER);
      }
    }
    return parseReplies(body) ?? new ReplyError(ERR_FORWARD_ANSWER);
  }

  private context(url: string, body: () => unknown, extraHeaders: Record<string, string> = {}): RunContext {
    const syncToken = this.syncToken;
    const credential = this.credential;
    return {
      syncToken: parseSyncToken(syncToken),
      consistency: undefined,
      // Built only when a replica forwards: the primary's REST API takes the same commands as JSON.
      get request(): RestRequest {
        // Arguments are byte strings: sent one character per byte (binary-safe), answered as RESP2 bytes.
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          [RESPONSE_FORMAT_HEADER]: 'resp2',
          [ARGUMENT_ENCODING_HEADER]: 'latin1',
          ...extraHeaders,
        };
        if (credential !== undefined) headers['authorization'] = `Bearer ${credential}`;
        if (syncToken !== undefined) headers[SYNC_TOKEN_HEADER] = syncToken;
        const json = JSON.stringify(body());
        return { method: 'POST', url, headers, body: Buffer.from(json, 'utf8') };
      },
    };
  }
}
