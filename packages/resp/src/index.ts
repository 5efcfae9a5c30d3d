export { RespParser, RespProtocolError } from './parser.js';
export type { Latin1Decoder, RespParserOptions } from './parser.js';
export { RESP_LIMITS_DEFAULT } from './limits.js';
export type { RespLimits } from './limits.js';
export { splitInline } from './inline.js';
export { writeReply } from './writer.js';
export { shapeReply } from './shape.js';
export {
  RespMap,
  RespPairs,
  RespSet,
  RespDouble,
  RespPush,
  RespVerbatim,
  RespNullArray,
  NULL_ARRAY,
} from './values.js';
export type { RespValue, ProtocolVersion } from './values.js';
export { parseReplies } from './reply-parser.js';
