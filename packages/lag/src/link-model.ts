import { bounded, type Distribution, fixed, LAG_MS_MAX, LagConfigError, parseDistribution } from './distribution.js';
import type { SeededRandom } from './random.js';

/**
 * 'per-message': each message draws its own jitter (on an ordered link a slow message holds back
 * the ones behind it: head-of-line blocking). 'per-link': one offset shared by all messages,
 * redrawn every `jitterRedrawMs` (a slowly varying, correlated path delay).
 */
export type JitterMode = 'per-message' | 'per-link';

/** A time window [startMs, endMs) during which the link delivers nothing (held until the end). */
export interface Stall {
  readonly startMs: number;
  readonly endMs: number;
}

export interface LinkSettings {
  baseDelayMs: number;
  jitter: Distribution;
  jitterMode: JitterMode;
  /** Per-link mode: how often the shared offset is redrawn. */
  jitterRedrawMs: number;
  /** Serialization rate; Infinity for no cap. */
  bandwidthBytesPerSecond: number;
  /**
   * A partitioned link drops: it holds nothing, messages in flight are lost and the connection is
   * considered down (transports close it; replicas reconnect once it heals).
   */
  partitioned: boolean;
}

export type LinkChange = (model: LinkModel) => void;

/**
 * The latency model of one directed link. Settings can change at run time; listeners hear of every
 * change (a transport closes its connection when the link becomes partitioned).
 */
export class LinkModel {
  private settings: LinkSettings;
  private stalls: Stall[] = [];
  private readonly listeners = new Set<LinkChange>();
  private linkOffsetMs = 0;
  private linkOffsetEpoch = Number.NaN;
  private busyUntilMs = -Infinity;

  constructor(
    settings: Partial<LinkSettings>,
    private readonly random: SeededRandom,
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...settings };
    validate(this.settings);
  }

  get current(): Readonly<LinkSettings> {
    return this.settings;
  }

  get partitioned(): boolean {
    return this.settings.partitioned;
  }

  /** Changes settings at run time (e.g. `meridian lag`); listeners are told. */
  update(change: Partial<LinkSettings>): void {
    const next = { ...this.settings, ...change };
    validate(next);
    if (change.jitter !== undefined || change.jitterRedrawMs !== undefined) this.linkOffsetEpoch = Number.NaN;
    this.settings = next;
    for (const listener of this.listeners) listener(this);
  }

  setPartitioned(partitioned: boolean): void {
    if (partitioned !== this.settings.partitioned) this.update({ partitioned });
  }

  /** Holds every delivery that would fall in [startMs, startMs + durationMs) until its end. */
  addStall(startMs: number, durationMs: number): void {
    if (!(durationMs > 0)) throw new LagConfigError('stall.durationMs', `must be > 0, got ${durationMs}`);
    this.stalls.push({ startMs, endMs: startMs + durationMs });
    this.stalls.sort((a, b) => a.startMs - b.startMs);
    for (const listener of this.listeners) listener(this);
  }

  onChange(listener: LinkChange): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The jitter part of the delay of a message sent at `sendMs`. */
  jitterMs(sendMs: number): number {
    const { jitter, jitterMode, jitterRedrawMs } = this.settings;
    if (jitterMode === 'per-message') return jitter.sample(this.random);
    const epoch = Math.floor(sendMs / jitterRedrawMs);
    if (epoch !== this.linkOffsetEpoch) {
      this.linkOffsetEpoch = epoch;
      this.linkOffsetMs = jitter.sample(this.random);
    }
    return this.linkOffsetMs;
  }

  /**
   * When a message of `bytes` sent at `sendMs` arrives, before the ordering rule
   * (OrderedDelayLine applies max with the previous delivery); undefined when the link drops it.
   */
  arrivalMs(sendMs: number, bytes: number): number | undefined {
    if (this.settings.partitioned) return undefined;
    const rate = this.settings.bandwidthBytesPerSecond;
    let sentMs = sendMs;
    if (Number.isFinite(rate)) {
      sentMs = Math.max(sendMs, this.busyUntilMs) + (bytes * 1000) / rate;
      this.busyUntilMs = sentMs;
    }
    return this.afterStalls(sentMs + this.settings.baseDelayMs + this.jitterMs(sendMs));
  }

  /**
   * When a message sent at `sendMs` and still queued arrives under the current settings (its
   * jitter drawn again): a changed or cleared lag applies to messages already in flight.
   * Bandwidth queueing is not replayed.
   */
  retimedArrivalMs(sendMs: number): number | undefined {
    if (this.settings.partitioned) return undefined;
    return this.afterStalls(sendMs + this.settings.baseDelayMs + this.jitterMs(sendMs));
  }

  private afterStalls(atMs: number): number {
    let result = atMs;
    for (const stall of this.stalls) {
      if (result >= stall.startMs && result < stall.endMs) result = stall.endMs;
    }
    return result;
  }
}

const DEFAULT_SETTINGS: LinkSettings = {
  baseDelayMs: 0,
  jitter: fixed(0),
  jitterMode: 'per-message',
  jitterRedrawMs: 1000,
  bandwidthBytesPerSecond: Infinity,
  partitioned: false,
};

function validate(settings: LinkSettings): void {
  if (!(settings.baseDelayMs >= 0) || !(settings.baseDelayMs <= LAG_MS_MAX)) {
    throw new LagConfigError('baseDelayMs', `must be between 0 and ${LAG_MS_MAX}, got ${settings.baseDelayMs}`);
  }
  if (!(settings.jitterRedrawMs > 0) || !(settings.jitterRedrawMs <= LAG_MS_MAX)) {
    throw new LagConfigError('jitterRedrawMs', `must be > 0, got ${settings.jitterRedrawMs}`);
  }
  if (!(settings.bandwidthBytesPerSecond > 0)) {
    throw new LagConfigError('bandwidthBytesPerSecond', `must be > 0, got ${settings.bandwidthBytesPerSecond}`);
  }
  if (settings.jitterMode !== 'per-message' && settings.jitterMode !== 'per-link') {
    throw new LagConfigError(
      'jitterMode',
      `must be per-message or per-link, got ${JSON.stringify(settings.jitterMode)}`,
    );
  }
}

/** A link's settings as a plain config object (regions.yaml / admin API form). */
export interface LinkConfig {
  delayMs?: unknown;
  jitter?: unknown;
  jitterMode?: unknown;
  jitterRedrawMs?: unknown;
  bandwidthBytesPerSecond?: unknown;
  partitioned?: unknown;
}

/** Parses a plain link config; errors name the field, prefixed by `field`. */
export function parseLinkSettings(config: LinkConfig, field = 'link'): Partial<LinkSettings> {
  const out: Partial<LinkSettings> = {};
  const number = (value: unknown, name: string, max = LAG_MS_MAX): number => bounded(value, `${field}.${name}`, 0, max);
  if (config.delayMs !== undefined) out.baseDelayMs = number(config.delayMs, 'delayMs');
  if (config.jitter !== undefined) out.jitter = parseDistribution(config.jitter, `${field}.jitter`);
  if (config.jitterMode !== undefined) {
    if (config.jitterMode !== 'per-message' && config.jitterMode !== 'per-link') {
      throw new LagConfigError(
        `${field}.jitterMode`,
        `must be per-message or per-link, got ${JSON.stringify(config.jitterMode)}`,
      );
    }
    out.jitterMode = config.jitterMode;
  }
  if (config.jitterRedrawMs !== undefined) out.jitterRedrawMs = number(config.jitterRedrawMs, 'jitterRedrawMs');
  if (config.bandwidthBytesPerSecond !== undefined) {
    out.bandwidthBytesPerSecond = number(config.bandwidthBytesPerSecond, 'bandwidthBytesPerSecond', Infinity);
  }
  if (config.partitioned !== undefined) {
    if (typeof config.partitioned !== 'boolean') {
      throw new LagConfigError(
        `${field}.partitioned`,
        `must be true or false, got ${JSON.stringify(config.partitioned)}`,
      );
    }
    out.partitioned = config.partitioned;
  }
  return out;
}

/**
 * P(one-way delay ≤ tMs) the model predicts for a message on a lightly loaded link: the jitter CDF
 * shifted by the base delay (per-link mode has the same marginal distribution over time). Ignores
 * bandwidth queueing, stalls and head-of-line blocking, which only matter at high rates; 0 while
 * partitioned.
 */
export function predictedVisibility(model: LinkModel, tMs: number): number {
  const settings = model.current;
  if (settings.partitioned) return 0;
  return settings.jitter.cdf(tMs - settings.baseDelayMs);
}
