import type { CommandSpec } from '../../command.js';
import { geoadd } from './geoadd.js';
import { geodist } from './geodist.js';
import { geohash } from './geohash-command.js';
import { geopos } from './geopos.js';
import { georadius } from './georadius.js';
import { georadius_ro } from './georadius_ro.js';
import { georadiusbymember } from './georadiusbymember.js';
import { georadiusbymember_ro } from './georadiusbymember_ro.js';
import { geosearch } from './geosearch.js';
import { geosearchstore } from './geosearchstore.js';

export const geoCommands: readonly CommandSpec[] = [
  geoadd,
  geodist,
  geohash,
  geopos,
  geosearch,
  geosearchstore,
  georadius,
  georadius_ro,
  georadiusbymember,
  georadiusbymember_ro,
];
