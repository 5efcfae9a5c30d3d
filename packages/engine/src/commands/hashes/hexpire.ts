import { defineFieldExpireCommand } from './field-expire.js';

/**
 * HEXPIRE key seconds [NX|XX|GT|LT] FIELDS numfields field…
 * Replicated as HPEXPIREAT with the absolute time, or HDEL of fields whose time is past.
 */
export const hexpire = defineFieldExpireCommand('hexpire', 'seconds', true);
