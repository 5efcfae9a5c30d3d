import { defineFieldTtlCommand } from './field-ttl.js';

/** HTTL key FIELDS numfields field…: per field, its expiry as remaining seconds (-1 none, -2 no field). */
export const httl = defineFieldTtlCommand('httl', 'seconds', true);
