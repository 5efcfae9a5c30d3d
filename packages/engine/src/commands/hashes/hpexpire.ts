import { defineFieldExpireCommand } from './field-expire.js';

/**
 * HPEXPIRE key milliseconds [NX|XX|GT|LT] FIELDS numfields field…
 * Replicated as HPEXPIREAT with the absolute time, or HDEL of fields whose time is past.
 */
export const hpexpire = defineFieldExpireCommand('hpexpire', 'milliseconds', true);
