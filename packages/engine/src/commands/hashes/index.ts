import type { CommandSpec } from '../../command.js';
import { hdel } from './hdel.js';
import { hexists } from './hexists.js';
import { hexpire } from './hexpire.js';
import { hexpireat } from './hexpireat.js';
import { hexpiretime } from './hexpiretime.js';
import { hget } from './hget.js';
import { hgetall } from './hgetall.js';
import { hgetdel } from './hgetdel.js';
import { hgetex } from './hgetex.js';
import { hincrby } from './hincrby.js';
import { hincrbyfloat } from './hincrbyfloat.js';
import { hkeys } from './hkeys.js';
import { hlen } from './hlen.js';
import { hmget } from './hmget.js';
import { hmset } from './hmset.js';
import { hpersist } from './hpersist.js';
import { hpexpire } from './hpexpire.js';
import { hpexpireat } from './hpexpireat.js';
import { hpexpiretime } from './hpexpiretime.js';
import { hpttl } from './hpttl.js';
import { hrandfield } from './hrandfield.js';
import { hscan } from './hscan.js';
import { hset } from './hset.js';
import { hsetex } from './hsetex.js';
import { hsetnx } from './hsetnx.js';
import { hstrlen } from './hstrlen.js';
import { httl } from './httl.js';
import { hvals } from './hvals.js';

export const hashCommands: readonly CommandSpec[] = [
  hset,
  hsetnx,
  hmset,
  hget,
  hmget,
  hgetall,
  hdel,
  hlen,
  hstrlen,
  hexists,
  hkeys,
  hvals,
  hincrby,
  hincrbyfloat,
  hrandfield,
  hscan,
  hexpire,
  hpexpire,
  hexpireat,
  hpexpireat,
  httl,
  hpttl,
  hexpiretime,
  hpexpiretime,
  hpersist,
  hgetdel,
  hgetex,
  hsetex,
];
