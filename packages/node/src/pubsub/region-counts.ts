import { type ByteString, globMatch } from '@meridian/engine';
import type { SubscriptionCounts } from './hub.js';

interface RegionTable {
  readonly owner: object;
  readonly channels: Map<ByteString, number>;
  readonly patterns: readonly (readonly [ByteString, number])[];
  readonly receivedAtMs: number;
}

/**
 * The primary's view of the other regions' subscribers, as their replicas last reported them.
 * PUBLISH at the primary answers its own receivers plus `receivers(channel)` from here.
 */
export class RegionSubscriptions {
  private readonly regions = new Map<string, RegionTable>();

  constructor(private readonly reportMsMax: number) {}

  /** Replaces `region`'s table; `owner` is the connection that reported it. */
  set(region: string, owner: object, counts: SubscriptionCounts, nowMs: number): void {
    this.regions.set(region, {
      owner,
      channels: new Map(counts.channels.map(([name, count]) => [name, count])),
      patterns: counts.patterns,
      receivedAtMs: nowMs,
    });
  }

  /** Forgets `region` if its table still comes from `owner` (a newer connection may have replaced it). */
  drop(region: string, owner: object): void {
    if (this.regions.get(region)?.owner === owner) this.regions.delete(region);
  }

  /** Subscribers elsewhere that will receive a message on `channel`, per the last fresh reports. */
  receivers(channel: ByteString, nowMs: number): number {
    let total = 0;
    for (const [region, table] of this.regions) {
      if (nowMs - table.receivedAtMs > this.reportMsMax) {
        this.regions.delete(region);
        continue;
      }
      total += table.channels.get(channel) ?? 0;
      for (const [pattern, count] of table.patterns) if (globMatch(pattern, channel)) total += count;
    }
    return total;
  }

  /** Regions with a report, for status pages. */
  view(nowMs: number): Record<string, { subscribers: number; patterns: number; reportAgeMs: number }> {
    const out: Record<string, { subscribers: number; patterns: number; reportAgeMs: number }> = {};
    for (const [region, table] of this.regions) {
      let subscribers = 0;
      for (const count of table.channels.values()) subscribers += count;
      let patterns = 0;
      for (const [, count] of table.patterns) patterns += count;
      out[region] = { subscribers, patterns, reportAgeMs: Math.round(nowMs - table.receivedAtMs) };
    }
    return out;
  }
}

/** Parses a report frame; undefined when it is not one. */
export function parseRegionReport(text: string): { region: string; counts: SubscriptionCounts } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { region, channels, patterns } = value as Record<string, unknown>;
  if (typeof region !== 'string' || !isCountList(channels) || !isCountList(patterns)) return undefined;
  return { region, counts: { channels, patterns } };
}

function isCountList(value: unknown): value is [ByteString, number][] {
  return (
    Array.isArray(value) &&
    value.every(
      (item) =>
        Array.isArray(item) &&
        item.length === 2 &&
        typeof item[0] === 'string' &&
        Number.isSafeInteger(item[1]) &&
        (item[1] as number) > 0,
    )
  );
}

/**
 * The report a replica sends: names are byte strings (code units 0..255), which JSON carries
 * unchanged through UTF-8 text frames.
 */
export function encodeRegionReport(region: string, counts: SubscriptionCounts): string {
  return JSON.stringify({ region, channels: counts.channels, patterns: counts.patterns });
}
