import type { ByteString } from '@meridian/engine';
import type { Access } from './auth.js';
import type { SyncToken } from './sync-token.js';

/** An HTTP request as the protocol sees it; node:http's IncomingMessage fields fit it. */
export interface RestRequest {
  readonly method: string;
  /** Path and query, as on the request line. */
  readonly url: string;
  /** Lowercase header names, as node:http gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
}

/** How replies are written: JSON with UTF-8 strings, JSON with base64 strings, or raw RESP2 bytes. */
export type ResponseFormat = 'json' | 'base64' | 'resp2';

export type StreamKind = 'subscribe' | 'psubscribe' | 'monitor';

export type RestTarget =
  | { readonly kind: 'command'; readonly argv: ByteString[] }
  | { readonly kind: 'pipeline'; readonly commands: ByteString[][] }
  | { readonly kind: 'transaction'; readonly commands: ByteString[][] }
  /** Server-sent event streams (pub/sub, monitor): answered by the SSE layer, not as commands. */
  | { readonly kind: 'stream'; readonly stream: StreamKind; readonly channels: ByteString[] };

/** What every authenticated command-like request carries besides its target. */
export interface RestCall {
  readonly access: Access;
  readonly format: ResponseFormat;
  /** The client's last sync token; undefined when absent or unparseable. */
  readonly syncToken: SyncToken | undefined;
}

export type ParsedRestRequest =
  | { readonly kind: 'preflight' }
  /** `/_meridian/<name>`: health and admin endpoints, authenticated by the node itself. */
  | { readonly kind: 'admin'; readonly name: string; readonly credential: string | undefined }
  | { readonly kind: 'failure'; readonly status: number; readonly error: string }
  | (RestCall & RestTarget);
