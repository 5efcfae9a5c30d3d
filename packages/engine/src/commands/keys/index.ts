import type { CommandSpec } from '../../command.js';
import { copy } from './copy.js';
import { del } from './del.js';
import { exists } from './exists.js';
import { expire } from './expire.js';
import { expireat } from './expireat.js';
import { expiretime } from './expiretime.js';
import { keys } from './keys.js';
import { object } from './object.js';
import { persist } from './persist.js';
import { pexpire } from './pexpire.js';
import { pexpireat } from './pexpireat.js';
import { pexpiretime } from './pexpiretime.js';
import { pttl } from './pttl.js';
import { randomkey } from './randomkey.js';
import { rename } from './rename.js';
import { renamenx } from './renamenx.js';
import { scan } from './scan.js';
import { touch } from './touch.js';
import { ttl } from './ttl.js';
import { type } from './type.js';
import { unlink } from './unlink.js';

export const keyCommands: readonly CommandSpec[] = [
  del,
  unlink,
  exists,
  type,
  touch,
  expire,
  pexpire,
  expireat,
  pexpireat,
  ttl,
  pttl,
  expiretime,
  pexpiretime,
  persist,
  keys,
  scan,
  randomkey,
  rename,
  renamenx,
  copy,
  object,
];
