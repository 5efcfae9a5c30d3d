import type { SeededRandom, VirtualClock } from '@meridian/lag';
import { type Operation, writeIdOfValue } from './checkers.js';
import type { FailoverWorld, NodeAnswer } from './world.js';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'];
/** A client gives up on an answer after this long (the operation may or may not have happened). */
const CLIENT_TIMEOUT_MS = 4_000;

/**
 * One closed-loop client in its home region: writes (half with majority durability) to the region it
 * believes primary, strong reads there, session reads at home with the token of its last write. A
 * refusal naming the primary is followed; no answer sends it asking its home region.
 */
class Client {
  private belief: string;
  private token: { epoch: number; offset: number; writeId: number } | undefined;
  private readonly lastOwnWrite = new Map<string, number>();

  constructor(
    private readonly id: number,
    private readonly home: string,
    private readonly world: FailoverWorld,
    private readonly clock: VirtualClock,
    private readonly random: SeededRandom,
    private readonly shared: {
      nextWriteId: number;
      stopMs: number;
      operations: Operation[];
      configuredPrimary: string;
    },
  ) {
    this.belief = shared.configuredPrimary;
  }

  start(): void {
    this.clock.setTimer(100 + this.random.next() * 100, () => this.next());
  }

  private next(): void {
    const { clock, random, shared } = this;
    if (clock.nowMs() >= shared.stopMs) return;
    const roll = random.next();
    const key = KEYS[Math.floor(random.next() * KEYS.length)] as string;
    const kind: Operation['kind'] = roll < 0.45 ? 'write' : roll < 0.75 ? 'strong-read' : 'session-read';
    const writeId = kind === 'write' ? shared.nextWriteId++ : undefined;
    const durability = kind === 'write' ? (random.next() < 0.5 ? 'majority' : 'none') : undefined;
    const sessionToken = this.token;
    const op: Operation = {
      client: this.id,
      kind,
      key,
      invokedMs: clock.nowMs(),
      completedMs: undefined,
      outcome: 'timeout',
      ...(writeId === undefined ? {} : { writeId }),
      ...(durability === undefined ? {} : { durability }),
      ...(kind === 'session-read'
        ? { ownWriteId: this.lastOwnWrite.get(key) ?? 0, tokenWriteId: this.token?.writeId ?? 0 }
        : {}),
    };
    shared.operations.push(op);
    const target = kind === 'session-read' ? this.home : this.belief;
    let settled = false;
    const finish = (answer: NodeAnswer | undefined): void => {
      if (settled) return;
      settled = true;
      this.finished(op, answer);
      clock.setTimer(20 + random.next() * 60, () => this.next());
    };
    clock.setTimer(CLIENT_TIMEOUT_MS, () => finish(undefined));
    this.world.request(
      this.home,
      target,
      (node, reply) => {
        if (kind === 'write') node.write(key, `w${writeId}`, writeId ?? 0, durability ?? 'none', reply);
        else if (kind === 'strong-read') node.strongRead(key, reply);
        else node.sessionRead(key, sessionToken, reply);
      },
      finish,
    );
  }

  /** Records the answer (none: timed out) and learns where the primary is. */
  private finished(op: Operation, answer: NodeAnswer | undefined): void {
    if (answer === undefined) {
      this.belief = this.askHome() ?? this.anyRegion();
      return;
    }
    op.completedMs = this.clock.nowMs();
    op.outcome = answer.kind;
    if (answer.kind === 'ok' && op.kind !== 'write') op.readWriteId = writeIdOfValue(answer.value);
    if (answer.kind === 'ok' && op.kind === 'write' && answer.epoch !== undefined && answer.offset !== undefined) {
      this.token = { epoch: answer.epoch, offset: answer.offset, writeId: op.writeId ?? 0 };
      this.lastOwnWrite.set(op.key, op.writeId ?? 0);
    }
    if (answer.kind === 'not-primary') this.belief = answer.primary ?? this.askHome() ?? this.anyRegion();
  }

  private askHome(): string | undefined {
    const homeNode = this.world.node(this.home);
    return homeNode.up ? homeNode.election?.primary : undefined;
  }

  private anyRegion(): string {
    const names = [...this.world.nodes.keys()];
    return names[Math.floor(this.random.next() * names.length)] as string;
  }
}

/** Starts `perRegion` clients in every region; their operations are recorded as they go. */
export function startClients(
  world: FailoverWorld,
  clock: VirtualClock,
  random: SeededRandom,
  options: { perRegion: number; stopMs: number; configuredPrimary: string },
): Operation[] {
  const shared = {
    nextWriteId: 1,
    stopMs: options.stopMs,
    operations: [] as Operation[],
    configuredPrimary: options.configuredPrimary,
  };
  let id = 0;
  for (const home of world.nodes.keys()) {
    for (let i = 0; i < options.perRegion; i++) {
      const client = id++;
      new Client(client, home, world, clock, random.fork(`client:${client}`), shared).start();
    }
  }
  return shared.operations;
}
