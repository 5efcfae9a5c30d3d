import {
  type JitterMode,
  LagConfigError,
  LinkModel,
  type LinkSettings,
  parseLinkSettings,
  SeededRandom,
} from '@meridian/lag';

/** One directed link this node sends on, as configured (regions.yaml `network`). */
export interface LinkSpec {
  readonly from: string;
  readonly to: string;
  readonly delayMs: number;
  /** A distribution config such as `{ distribution: 'exponential', meanMs: 4 }`; none: no jitter. */
  readonly jitter: Readonly<Record<string, unknown>> | undefined;
  readonly jitterMode: JitterMode;
  /** Per-link jitter: how often the shared offset is redrawn (default 1000 ms). */
  readonly jitterRedrawMs?: number;
}

/** A link as `/_meridian/lag` shows it. */
export interface LinkView {
  from: string;
  to: string;
  delayMs: number;
  jitter: Readonly<Record<string, unknown>>;
  jitterMode: JitterMode;
  partitioned: boolean;
  stalled: boolean;
}

/** A bad `/_meridian/lag` request; `field` names what is wrong. Code MERIDIAN_NODE_LAG_REQUEST_INVALID. */
export class LagRequestError extends Error {
  readonly code = 'MERIDIAN_NODE_LAG_REQUEST_INVALID';
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

const NO_JITTER = { distribution: 'fixed', valueMs: 0 } as const;
const ACTIONS = ['set', 'clear', 'partition', 'heal'] as const;

interface Link {
  readonly spec: LinkSpec;
  readonly model: LinkModel;
  current: { delayMs: number; jitter: Readonly<Record<string, unknown>>; jitterMode: JitterMode };
}

function settingsOf(spec: Omit<LinkSpec, 'from' | 'to'>, field: string): Partial<LinkSettings> {
  return parseLinkSettings(
    {
      delayMs: spec.delayMs,
      jitter: spec.jitter ?? NO_JITTER,
      jitterMode: spec.jitterMode,
      ...(spec.jitterRedrawMs === undefined ? {} : { jitterRedrawMs: spec.jitterRedrawMs }),
      partitioned: false,
    },
    field,
  );
}

/**
 * The latency models of the links this node sends on (primary: primary→each replica; replica:
 * replica→primary), changeable at run time through `/_meridian/lag`, resettable to the config.
 */
export class NodeLinks {
  private readonly links: Link[];

  constructor(specs: readonly LinkSpec[], seed: number = Math.floor(Math.random() * 2 ** 32)) {
    this.links = specs.map((spec, i) => ({
      spec,
      model: new LinkModel(settingsOf(spec, `network.links[${spec.from}→${spec.to}]`), new SeededRandom(seed + i)),
      current: { delayMs: spec.delayMs, jitter: spec.jitter ?? NO_JITTER, jitterMode: spec.jitterMode },
    }));
  }

  model(from: string, to: string): LinkModel | undefined {
    return this.links.find((link) => link.spec.from === from && link.spec.to === to)?.model;
  }

  views(): LinkView[] {
    return this.links.map(({ spec, model, current }) => ({
      from: spec.from,
      to: spec.to,
      delayMs: current.delayMs,
      jitter: current.jitter,
      jitterMode: current.jitterMode,
      partitioned: model.partitioned,
      stalled: false,
    }));
  }

  /** Applies a `POST /_meridian/lag` body to the matching links; throws LagRequestError on bad input. */
  apply(body: unknown): { links: LinkView[]; matched: number } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new LagRequestError('body', 'must be a JSON object like {"action":"set","delayMs":100}');
    }
    const request = body as Record<string, unknown>;
    const action = request['action'];
    if (typeof action !== 'string' || !(ACTIONS as readonly string[]).includes(action)) {
      throw new LagRequestError('action', `must be one of ${ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
    }
    const from = optionalRegion(request, 'from');
    const to = optionalRegion(request, 'to');
    const allowed =
      action === 'set' ? ['action', 'from', 'to', 'delayMs', 'jitter', 'jitterMode'] : ['action', 'from', 'to'];
    for (const key of Object.keys(request)) {
      if (!allowed.includes(key)) throw new LagRequestError(key, `is not a field of action ${action}`);
    }
    const change = action === 'set' ? parseChange(request) : undefined;
    const matching = this.links.filter(
      (link) => (from === undefined || link.spec.from === from) && (to === undefined || link.spec.to === to),
    );
    for (const link of matching) {
      if (action === 'partition') link.model.setPartitioned(true);
      else if (action === 'heal') link.model.setPartitioned(false);
      else if (action === 'clear') this.reset(link);
      else if (change !== undefined) this.change(link, change);
    }
    return { links: this.views(), matched: matching.length };
  }

  private reset(link: Link): void {
    const { spec } = link;
    link.model.update(settingsOf(spec, 'config'));
    link.current = { delayMs: spec.delayMs, jitter: spec.jitter ?? NO_JITTER, jitterMode: spec.jitterMode };
  }

  private change(link: Link, change: ParsedChange): void {
    link.model.update(change.settings);
    link.current = {
      delayMs: change.delayMs ?? link.current.delayMs,
      jitter: change.jitter ?? link.current.jitter,
      jitterMode: change.jitterMode ?? link.current.jitterMode,
    };
  }
}

interface ParsedChange {
  settings: Partial<LinkSettings>;
  delayMs: number | undefined;
  jitter: Readonly<Record<string, unknown>> | undefined;
  jitterMode: JitterMode | undefined;
}

function optionalRegion(request: Record<string, unknown>, field: string): string | undefined {
  const value = request[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new LagRequestError(field, 'must be a region name');
  return value;
}

function parseChange(request: Record<string, unknown>): ParsedChange {
  const { delayMs, jitter, jitterMode } = request;
  if (delayMs === undefined && jitter === undefined && jitterMode === undefined) {
    throw new LagRequestError('delayMs', 'set needs at least one of delayMs, jitter, jitterMode');
  }
  let settings: Partial<LinkSettings>;
  try {
    settings = parseLinkSettings({ delayMs, jitter, jitterMode }, 'lag');
  } catch (error) {
    if (error instanceof LagConfigError) {
      throw new LagRequestError(error.field.replace(/^lag\./, ''), error.problem);
    }
    throw error;
  }
  return {
    settings,
    delayMs: settings.baseDelayMs,
    jitter: jitter === undefined ? undefined : (jitter as Record<string, unknown>),
    jitterMode: settings.jitterMode,
  };
}
