import { defineCommand } from '../../command.js';
import { deleteKeys } from './del.js';

/** UNLINK [key …]: DEL without blocking; zero keys answers 0 (Upstash accepts it, Redis refuses it). */
export const unlink = defineCommand({
  name: 'unlink',
  arity: -1,
  flags: ['write'],
  firstKey: 1,
  lastKey: -1,
  keyStep: 1,
  handler: deleteKeys,
});
