import { assert } from '../assert.js';
import type { CommandFacts, CommandInfo, CommandSpec, KnownCommand } from '../command.js';
import { factsOf, toCommandInfo } from '../command.js';
import { connectionCommands } from './connection/index.js';
import { geoCommands } from './geo/index.js';
import { hashCommands } from './hashes/index.js';
import { hyperloglogCommands } from './hyperloglog/index.js';
import { jsonCommands } from './json/index.js';
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
  jsonCommands,
  connectionCommands,
  geoCommands,
];

function buildTable(): ReadonlyMap<string, CommandInfo> {
  const table = new Map<string, CommandInfo>();
  for (const family of families) {
    for (const spec of family) {
      assert(!table.has(spec.name), `command ${spec.name} defined twice`);
      assert(spec.name === spec.name.toLowerCase(), `command ${spec.name} must be lowercase`);
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

/**
 * Names the engine does not run but every layer must recognise, with their facts: transaction
 * control (REST sends transactions to /multi-exec), connection commands and SPUBLISH.
 * A command implemented later moves into the table with the same facts.
 */
const recognised: readonly KnownCommand[] = [
  ...['multi', 'exec', 'discard', 'watch', 'unwatch'].map((name): KnownCommand => ({
    name,
    flags: [],
    facts: ['transaction'],
  })),
  { name: 'ssubscribe', flags: ['pubsub'], facts: ['connection'] },
  { name: 'sunsubscribe', flags: ['pubsub'], facts: ['connection'] },
  { name: 'monitor', flags: ['admin'], facts: ['connection'] },
  { name: 'spublish', flags: ['pubsub'], facts: ['primary'] },
];

function buildFacts(): ReadonlyMap<string, CommandFacts> {
  const facts = new Map<string, CommandFacts>(commandTable);
  for (const known of recognised) {
    if (!facts.has(known.name)) facts.set(known.name, factsOf(known, false));
  }
  return facts;
}

const factsTable: ReadonlyMap<string, CommandFacts> = buildFacts();

/** The facts of a command by name, in any case: the table's entry, or a recognised name's facts. */
export function findCommandFacts(name: string): CommandFacts | undefined {
  return factsTable.get(name) ?? factsTable.get(name.toLowerCase());
}
