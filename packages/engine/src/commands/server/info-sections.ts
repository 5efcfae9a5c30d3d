import type { ExecContext } from '../../context.js';
import { STARTUP_MEMORY_BYTES, usedMemoryBytes } from '../../memory-limit.js';
import { bytesToHuman } from './memory-size.js';

export type InfoField = [name: string, value: string | number];

/** The version Meridian answers as: the Redis it is checked against. */
export const REDIS_VERSION = '7.0.15';

function server(ctx: ExecContext): InfoField[] {
  return [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_mode', 'standalone'],
    ['arch_bits', 64],
    ['server_time_usec', Math.floor(ctx.nowMs * 1000)],
  ];
}

function clients(): InfoField[] {
  return [
    ['connected_clients', 1],
    ['blocked_clients', 0],
    ['tracking_clients', 0],
  ];
}

function memory(ctx: ExecContext): InfoField[] {
  const used = usedMemoryBytes(ctx);
  const { maxMemoryBytes, policy } = ctx.engine.memoryLimit;
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_startup', STARTUP_MEMORY_BYTES],
    ['used_memory_dataset', used - STARTUP_MEMORY_BYTES],
    ['maxmemory', maxMemoryBytes],
    ['maxmemory_human', bytesToHuman(maxMemoryBytes)],
    ['maxmemory_policy', policy],
  ];
}

function persistence(): InfoField[] {
  return [
    ['loading', 0],
    ['aof_enabled', 0],
  ];
}

function stats(ctx: ExecContext): InfoField[] {
  return [
    ['total_commands_processed', ctx.stats.commandsProcessed],
    ['expired_keys', ctx.stats.expiredKeys],
    ['expired_subkeys', ctx.stats.expiredFields],
    ['evicted_keys', ctx.stats.evictedKeys],
    ['keyspace_hits', ctx.stats.keyspaceHits],
    ['keyspace_misses', ctx.stats.keyspaceMisses],
  ];
}

function replication(ctx: ExecContext): InfoField[] {
  return ctx.role === 'primary'
    ? [
        ['role', 'master'],
        ['connected_slaves', 0],
      ]
    : [['role', 'slave']];
}

function cluster(): InfoField[] {
  return [['cluster_enabled', 0]];
}

function keyspace(ctx: ExecContext): InfoField[] {
  const keys = ctx.db.data.size;
  if (keys === 0) return [];
  return [['db0', `keys=${keys},expires=${ctx.db.expiresAtMs.size},avg_ttl=0`]];
}

/** The engine's own sections, in Redis's order; all of them are default sections. */
export const BUILTIN_SECTIONS: readonly [string, (ctx: ExecContext) => InfoField[]][] = [
  ['server', server],
  ['clients', clients],
  ['memory', memory],
  ['persistence', persistence],
  ['stats', stats],
  ['replication', replication],
  ['cluster', cluster],
  ['keyspace', keyspace],
];

/** Fields of `extra` replace those of `base` with the same name; new ones are appended. */
export function mergeFields(base: readonly InfoField[], extra: readonly InfoField[]): InfoField[] {
  const merged = base.map((field): InfoField => [field[0], field[1]]);
  for (const [name, value] of extra) {
    const existing = merged.find((field) => field[0] === name);
    if (existing === undefined) merged.push([name, value]);
    else existing[1] = value;
  }
  return merged;
}

/** A section's title as Redis writes it: `# Server`, `# CPU`. */
export function sectionTitle(name: string): string {
  if (name === 'cpu') return 'CPU';
  return name.charAt(0).toUpperCase() + name.slice(1);
}
