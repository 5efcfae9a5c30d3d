import type { Engine } from '@meridian/engine';
import type { Clock } from '@meridian/lag';
import type { RestAuth } from '@meridian/rest';
import type { CommandRouter } from '@meridian/core';
import type { PubSubHub } from '../pubsub/hub.js';
import type { BlockedClients } from './blocking.js';
import type { WatchRegistry } from './changes.js';

/** RESP limits of a node (docs/limits.md, `## RESP`). */
export interface RespServerLimits {
  /** maxclients. */
  readonly clientsMax: number;
  /** `timeout`: close a client idle this long (0: never; blocked and subscribed clients are exempt). */
  readonly idleTimeoutMs: number;
  /** client-output-buffer-limit normal: hard limit in bytes (0: none). */
  readonly outputBytesMaxNormal: number;
  /** client-output-buffer-limit pubsub: hard limit, soft limit, soft seconds. */
  readonly outputBytesMaxPubsub: number;
  readonly outputBytesSoftPubsub: number;
  readonly outputSoftMsPubsub: number;
  /** Commands queued in one MULTI. */
  readonly transactionCommandsMax: number;
  /** Clients blocked at once. */
  readonly blockedClientsMax: number;
  /** Unparsed request bytes per client (client-query-buffer-limit). */
  readonly queryBufferBytesMax: number;
}

export const RESP_SERVER_LIMITS_DEFAULT: RespServerLimits = {
  clientsMax: 10_000,
  idleTimeoutMs: 0,
  outputBytesMaxNormal: 0,
  outputBytesMaxPubsub: 32 * 1024 * 1024,
  outputBytesSoftPubsub: 8 * 1024 * 1024,
  outputSoftMsPubsub: 60_000,
  transactionCommandsMax: 100_000,
  blockedClientsMax: 10_000,
  queryBufferBytesMax: 1024 * 1024 * 1024,
};

/** What a RESP connection uses of its node. */
export interface RespServices {
  readonly router: CommandRouter;
  /** undefined: no authentication (insecureNoAuth). */
  readonly auth: RestAuth | undefined;
  readonly engine: Engine;
  readonly hub: PubSubHub;
  readonly watches: WatchRegistry;
  readonly blocked: BlockedClients;
  readonly clock: Clock;
  readonly role: () => 'primary' | 'replica';
  readonly limits: RespServerLimits;
}
