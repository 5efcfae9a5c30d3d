import type { ByteString } from '../../bytes.js';
import { defineCommand } from '../../command.js';
import type { ExecContext } from '../../context.js';
import { BUILTIN_SECTIONS, type InfoField, mergeFields, sectionTitle } from './info-sections.js';

/** Which section names the arguments ask for (Redis 7.0: several names, `default`, `all`, `everything`). */
function requestedSections(argv: readonly ByteString[], available: readonly string[]): Set<string> {
  const names = argv.length === 1 ? ['default'] : argv.slice(1).map((name) => name.toLowerCase());
  const requested = new Set<string>();
  for (const name of names) {
    if (name === 'default' || name === 'all' || name === 'everything') {
      for (const section of available) requested.add(section);
    } else {
      requested.add(name);
    }
  }
  return requested;
}

/**
 * INFO [section …]: the engine's sections (server, clients, memory, persistence, stats,
 * replication, cluster, keyspace) merged with those the host supplies (the node adds
 * persistence and replication details, uptime, ports…), in Redis's text format.
 */
export function infoText(ctx: ExecContext, argv: readonly ByteString[]): string {
  const host = new Map<string, InfoField[]>();
  for (const [name, fields] of Object.entries(ctx.engine.host.infoSections?.() ?? {}))
    host.set(name.toLowerCase(), fields);
  const sections: [string, () => InfoField[]][] = BUILTIN_SECTIONS.map(([name, build]) => [
    name,
    () => mergeFields(build(ctx), host.get(name) ?? []),
  ]);
  for (const [name, fields] of host) {
    if (!sections.some(([known]) => known === name)) sections.push([name, () => fields]);
  }
  const requested = requestedSections(
    argv,
    sections.map(([name]) => name),
  );
  const blocks: string[] = [];
  for (const [name, build] of sections) {
    if (!requested.has(name)) continue;
    const lines = build().map(([field, value]) => `${field}:${value}\r\n`);
    blocks.push(`# ${sectionTitle(name)}\r\n${lines.join('')}`);
  }
  return blocks.join('\r\n');
}

export const info = defineCommand({
  name: 'info',
  arity: -1,
  flags: [],
  handler: (ctx, argv) => infoText(ctx, argv),
});
