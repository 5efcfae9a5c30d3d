import { defineFieldTtlCommand } from './field-ttl.js';

/** HPTTL key FIELDS numfields field…: per field, its expiry as remaining milliseconds (-1 none, -2 no field). */
export const hpttl = defineFieldTtlCommand('hpttl', 'milliseconds', true);
