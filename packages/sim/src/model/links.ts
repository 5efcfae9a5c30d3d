import { fixed, LinkModel, type LinkSettings, parseDistribution, type SeededRandom } from '@meridian/lag';
import { linkDelayMs, linkJitter, type TopologyConfig } from '@meridian/topology';
import { CostedLinkModel } from './node-costs.js';

/**
 * Which traffic a link carries. Each is its own LinkModel (its own TCP connection), with the
 * settings of the region pair: `replication` primary ↔ replica (entries one way, acks the other),
 * `forward` a node handing a request to another region, `client` a client ↔ a node, `subscriber`
 * a node's pub/sub stream to a subscriber in its own region.
 */
export type LinkKind = 'replication' | 'forward' | 'client' | 'subscriber';

/** Every directed link of a simulated topology, built from regions.yaml's network section. */
export class SimLinks {
  /** Per kind, from, to (the kinds as fields: a link is looked up for every message). */
  private readonly models: Record<LinkKind, Map<string, Map<string, LinkModel>>> = {
    replication: new Map(),
    forward: new Map(),
    client: new Map(),
    subscriber: new Map(),
  };
  private readonly byPair = new Map<string, LinkModel[]>();

  constructor(
    private readonly config: TopologyConfig,
    private readonly random: SeededRandom,
    private readonly clientLocalDelayMs: number,
  ) {}

  /** The settings the topology gives the link from → to (before any fault). */
  settingsFor(from: string, to: string): Partial<LinkSettings> {
    const network = this.config.network;
    const jitterConfig = linkJitter(this.config, from, to);
    const jitter = jitterConfig === undefined ? fixed(0) : parseDistribution(jitterConfig, 'network.jitter');
    return {
      baseDelayMs: this.baseDelayMs(from, to),
      jitter,
      // The mode as this module's own literal: the config's string is one the YAML parser cut out of
      // the file, and LinkModel compares it with 'per-message' for every message it times (two
      // distinct strings compare char by char; two literals are one string).
      jitterMode: network.jitterMode === 'per-link' ? 'per-link' : 'per-message',
      jitterRedrawMs: network.jitterRedrawMs,
    };
  }

  /** One-way base delay between regions (topology's `linkDelayMs`); a client's own region is `clientLocalDelayMs` away. */
  baseDelayMs(from: string, to: string): number {
    return from === to ? this.clientLocalDelayMs : linkDelayMs(this.config, from, to);
  }

  /** A replication link: its model takes the sending node's costs. */
  replication(from: string, to: string): CostedLinkModel {
    return this.link('replication', from, to) as CostedLinkModel;
  }

  link(kind: LinkKind, from: string, to: string): LinkModel {
    const byFrom = this.models[kind];
    let byTo = byFrom.get(from);
    if (byTo === undefined) byFrom.set(from, (byTo = new Map()));
    let model = byTo.get(to);
    if (model === undefined) {
      const settings = this.settingsFor(from, to);
      const random = this.random.fork(`${kind}:${from}>${to}`);
      // Replication links carry the nodes' modelled costs (node-costs.ts).
      model = kind === 'replication' ? new CostedLinkModel(settings, random) : new LinkModel(settings, random);
      byTo.set(to, model);
      for (const pairKey of [pairOf(from, to), `${from}>${to}`]) {
        const list = this.byPair.get(pairKey) ?? [];
        list.push(model);
        this.byPair.set(pairKey, list);
      }
    }
    return model;
  }

  /** Creates every link up front, so faults reach links that carry no traffic yet. */
  createAll(): void {
    const names = this.config.regions.map((region) => region.name);
    for (const from of names) {
      for (const to of names) {
        this.link('client', from, to);
        if (from === to) this.link('subscriber', from, to);
        if (from !== to) {
          this.link('forward', from, to);
          this.link('replication', from, to);
        }
      }
    }
  }

  /** Every link between two regions, both directions. */
  between(a: string, b: string): LinkModel[] {
    return this.byPair.get(pairOf(a, b)) ?? [];
  }

  /** Every link from → to. */
  directed(from: string, to: string): LinkModel[] {
    return this.byPair.get(`${from}>${to}`) ?? [];
  }
}

function pairOf(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}
