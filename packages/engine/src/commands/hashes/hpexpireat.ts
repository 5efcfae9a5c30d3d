import { defineFieldExpireCommand } from './field-expire.js';

/**
 * HPEXPIREAT key unix-time-milliseconds [NX|XX|GT|LT] FIELDS numfields field…
 * Replicated as HPEXPIREAT with the absolute time, or HDEL of fields whose time is past.
 */
export const hpexpireat = defineFieldExpireCommand('hpexpireat', 'milliseconds', false);
