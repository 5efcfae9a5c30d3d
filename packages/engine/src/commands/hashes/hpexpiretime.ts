import { defineFieldTtlCommand } from './field-ttl.js';

/** HPEXPIRETIME key FIELDS numfields field…: per field, its expiry as unix milliseconds (-1 none, -2 no field). */
export const hpexpiretime = defineFieldTtlCommand('hpexpiretime', 'milliseconds', false);
