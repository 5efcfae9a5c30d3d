import type { CommandInfo, CommandSpec } from '../command.js';
import { toCommandInfo } from '../command.js';
import { connectionCommands } from './connection/index.js';
import { geoCommands } from './geo/index.js';
import { hashCommands } from './hashes/index.js';
import { hyperloglogCommands } from './hyperloglog/index.js';
import { keyCommands } from './keys/index.js';
import { listCommands } from './lists/index.js';
import { pubsubCommands } from './pubsub/index.js';
import { scriptingCommands } from './scripting/index.js';
import { serverCommands } from './server/index.js';
import { setCommands } from './sets/index.js';
import { streamCommands } from './streams/index.js';
import { stringCommands } from './strings/index.js';
import { zsetCommands } from './zsets/index.js';

const families: readonly (readonly CommandSpec[])[] = [
  stringCommands,
  keyCommands,
  serverCommands,
  hashCommands,
  listCommands,
  setCommands,
  zsetCommands,
  streamCommands,
  pubsubCommands,
  scriptingCommands,
  hyperloglogCommands,
  connectionCommands,
  geoCommands,
];

function buildTable(): ReadonlyMap<string, CommandInfo> {
  const table = new Map<string, CommandInfo>();
  for (const family of families) {
    for (const spec of family) {
      if (table.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
      if (spec.name !== spec.name.toLowerCase()) throw new Error(`command ${spec.name} must be lowercase`);
      table.set(spec.name, toCommandInfo(spec));
    }
  }
  return table;
}

/** The command table: lowercase name → spec and flags. The one source for REST, tokens, router and replication. */
export const commandTable: ReadonlyMap<string, CommandInfo> = buildTable();

/** Looks a command up by name, in any case. */
export function findCommand(name: string): CommandInfo | undefined {
  return commandTable.get(name) ?? commandTable.get(name.toLowerCase());
}
