import { getHeapStatistics } from 'node:v8';
import type { MemoryLimit, MaxMemoryPolicy } from '@meridian/engine';

/**
 * The share of V8's heap limit a node's dataset estimate may reach by default. The estimate counts
 * about half of what V8 really holds per key, and snapshots, replication buffers and replies need
 * room too: a quarter keeps the whole process well inside the heap.
 */
export const HEAP_SHARE_DEFAULT = 0.25;

/** The default maxmemory: HEAP_SHARE_DEFAULT of this process's V8 heap limit, in whole bytes. */
export function defaultMaxMemoryBytes(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * HEAP_SHARE_DEFAULT);
}

/** The engine's memory limit from node options (0 bytes = no limit, as Redis's maxmemory 0). */
export function memoryLimitOf(maxMemoryBytes: number | undefined, policy: MaxMemoryPolicy | undefined): MemoryLimit {
  return { maxMemoryBytes: maxMemoryBytes ?? defaultMaxMemoryBytes(), policy: policy ?? 'noeviction' };
}
