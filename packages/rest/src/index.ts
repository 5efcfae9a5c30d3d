export { parseRestRequest, ERR_TOO_LARGE, ERR_METHOD } from './parse.js';
export type { ParseOptions } from './parse.js';
export type { RestRequest, ParsedRestRequest, RestTarget, RestCall, ResponseFormat, StreamKind } from './request.js';
export { RestAuth, SecretToken, ERR_AUTH } from './auth.js';
export type { Access, RestTokens } from './auth.js';
export { commandRefusal } from './refusal.js';
export {
  encodeValue,
  encodeJsonResult,
  encodeJsonEntries,
  encodeJsonError,
  encodeResp,
  encodeRespAll,
} from './encode.js';
export { formatSyncToken, parseSyncToken, SYNC_TOKEN_HEADER } from './sync-token.js';
export type { SyncToken } from './sync-token.js';
export {
  ENCODING_HEADER,
  RESPONSE_FORMAT_HEADER,
  SERVED_BY_HEADER,
  STALENESS_HEADER,
  isHeaderName,
  ALLOWED_METHODS,
  CORS_ALLOW_HEADERS,
  CORS_EXPOSE_HEADERS,
  CORS_HEADERS,
  PREFLIGHT_HEADERS,
  REQUEST_BYTES_MAX_DEFAULT,
} from './headers.js';
export { textToBytes, bytesToText, percentDecode } from './text.js';
export {
  CORS_POLICY_DEFAULT,
  CORS_REQUEST_HEADERS,
  CORS_RESPONSE_HEADERS,
  allowedOrigin,
  applyCorsPolicy,
  enforceCorsPolicy,
  preflightHeaders,
} from './cors.js';
export type { CorsPolicy } from './cors.js';
export { ARGUMENT_ENCODING_HEADER } from './body.js';
export { listenFront, FrontConnection, ERR_REQUEST_TIMEOUT } from './front.js';
export type { FrontAnswer, FrontOptions, FrontRequest, FrontStream } from './front.js';
