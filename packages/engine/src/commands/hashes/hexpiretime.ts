import { defineFieldTtlCommand } from './field-ttl.js';

/** HEXPIRETIME key FIELDS numfields field…: per field, its expiry as unix seconds (-1 none, -2 no field). */
export const hexpiretime = defineFieldTtlCommand('hexpiretime', 'seconds', false);
