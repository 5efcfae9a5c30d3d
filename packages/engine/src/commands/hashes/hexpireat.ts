import { defineFieldExpireCommand } from './field-expire.js';

/**
 * HEXPIREAT key unix-time-seconds [NX|XX|GT|LT] FIELDS numfields field…
 * Replicated as HPEXPIREAT with the absolute time, or HDEL of fields whose time is past.
 */
export const hexpireat = defineFieldExpireCommand('hexpireat', 'seconds', false);
