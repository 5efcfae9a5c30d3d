import { type ByteString, Engine, type Reply, ReplyError, SimpleString, OK, QUEUED } from '@meridian/engine';
import { NULL_ARRAY, type ProtocolVersion, RespMap, RespPush, type RespValue, shapeReply } from '@meridian/resp';
import { type Access, commandRefusal, parseSyncToken } from '@meridian/rest';
import type { PubSubEvent, Subscriber } from '../pubsub/hub.js';
import { blockingPlan, type BlockingPlan, streamPlan } from './blocking.js';
import { WatchState } from './changes.js';
import type { ClientRegistry, ClientView } from './clients.js';
import { type Execution, RouterExecution } from './execution.js';
import type { RespServices } from './services.js';

export const ERR_NOAUTH = 'NOAUTH Authentication required.';
export const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const ERR_HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';
const ERR_AUTH_NO_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const ERR_EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
const SERVER_VERSION = '7.0.15';
const NO_AUTH_COMMANDS = new Set(['auth', 'hello', 'quit', 'reset']);
const SUBSCRIBED_COMMANDS = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ping',
  'quit',
  'reset',
]);
const TRANSACTION_CONTROL = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/** What a session needs of its socket. */
export interface SessionConnection {
  readonly addr: string;
  readonly laddr: string;
  /** Writes replies in the session's current protocol. */
  send(values: readonly RespValue[]): void;
  /** Closes once what was sent is flushed. */
  end(): void;
  /** Closes at once (CLIENT KILL, a slow subscriber). */
  destroy(reason: string): void;
  /** Bytes written but not yet taken by the client. */
  outputBytes(): number;
}

function arityError(name: string): ReplyError {
  return new ReplyError(`ERR wrong number of arguments for '${name}' command`);
}

function lower(text: ByteString | undefined): string {
  return (text ?? '').toLowerCase();
}

/** One RESP connection's state: auth, protocol, name, MULTI queue, WATCH, subscriptions, blocking. */
export class RespSession implements ClientView, Subscriber {
  readonly id: number;
  protocol: ProtocolVersion = 2;
  private access: Access | undefined;
  private name = '';
  private libName = '';
  private libVersion = '';
  private queued: (readonly ByteString[])[] | undefined;
  private queueFailed = false;
  private readonly watch = new WatchState();
  /** On a replica: the offset applied when this connection's first WATCH ran (what it read). */
  private watchOffset: number | undefined;
  private channels = 0;
  private patterns = 0;
  private readonly createdMs: number;
  private lastCommandMs: number;
  private lastCommand = 'NULL';
  private cancelBlock: (() => void) | undefined;
  private readonly execution: Execution;
  closed = false;

  constructor(
    private readonly services: RespServices,
    private readonly clients: ClientRegistry,
    private readonly connection: SessionConnection,
  ) {
    this.id = clients.allocateId();
    this.access = services.auth === undefined ? 'standard' : undefined;
    this.createdMs = this.lastCommandMs = services.clock.nowMs();
    this.execution = new RouterExecution(services.router);
  }

  get addr(): string {
    return this.connection.addr;
  }

  get laddr(): string {
    return this.connection.laddr;
  }

  /** Subscribed or blocked: exempt from the idle timeout. */
  get isWaiting(): boolean {
    return this.channels + this.patterns > 0 || this.cancelBlock !== undefined;
  }

  get isSubscriber(): boolean {
    return this.channels + this.patterns > 0;
  }

  /** Answers one command: zero or more replies (SUBSCRIBE to n channels gives n). */
  handle(argv: readonly ByteString[]): RespValue[] | Promise<RespValue[]> {
    const name = lower(argv[0]);
    this.lastCommandMs = this.services.clock.nowMs();
    this.lastCommand = name === 'client' || name === 'config' ? `${name}|${lower(argv[1])}` : name;
    if (this.access === undefined && !NO_AUTH_COMMANDS.has(name)) return this.fail(ERR_NOAUTH);
    if (this.protocol === 2 && this.isSubscriber && !SUBSCRIBED_COMMANDS.has(name)) {
      return this.fail(
        `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
      );
    }
    if (this.queued !== undefined && !TRANSACTION_CONTROL.has(name)) return [this.enqueue(argv)];
    return this.dispatch(name, argv);
  }

  private fail(message: string): RespValue[] {
    if (this.queued !== undefined) this.queueFailed = true;
    return [new ReplyError(message)];
  }

  private dispatch(name: string, argv: readonly ByteString[]): RespValue[] | Promise<RespValue[]> {
    switch (name) {
      case 'auth':
        return [this.auth(argv)];
      case 'hello':
        return [this.hello(argv)];
      case 'quit':
        this.connection.end();
        return [OK];
      case 'reset':
        this.reset();
        return [new SimpleString('RESET')];
      case 'client':
        return [this.client(argv)];
      case 'multi':
        return [this.multi(argv)];
      case 'exec':
        return this.exec();
      case 'discard':
        return [this.discard()];
      case 'watch':
        return [this.watchKeys(argv)];
      case 'unwatch':
        this.services.watches.unwatch(this.watch);
        this.watchOffset = undefined;
        return [OK];
      case 'subscribe':
      case 'psubscribe':
        return this.subscribe(name, argv.slice(1));
      case 'unsubscribe':
      case 'punsubscribe':
        return this.unsubscribe(name, argv.slice(1));
      case 'ping':
        if (this.isSubscriber && this.protocol === 2) return [this.subscribedPing(argv)];
        return this.command(argv);
      default:
        return this.command(argv);
    }
  }

  private command(argv: readonly ByteString[]): RespValue[] | Promise<RespValue[]> {
    const plan = this.planBlocking(argv);
    if (plan instanceof ReplyError) return [plan];
    if (plan !== undefined) {
      if (this.access === 'readonly' && lower(argv[0]) !== 'xread') return [this.noPermission(argv)];
      return this.block(argv, plan).then((value) => [value]);
    }
    const refusal = this.access === 'readonly' ? commandRefusal(argv, 'readonly') : undefined;
    if (refusal !== undefined) return [new ReplyError(refusal)];
    const reply = this.execution.command(argv);
    if (reply instanceof Promise) return reply.then((settled) => [shapeReply(argv, settled)]);
    return [shapeReply(argv, reply)];
  }

  private noPermission(argv: readonly ByteString[]): ReplyError {
    const name = Engine.findCommand(argv[0] ?? '')?.name ?? lower(argv[0]);
    return new ReplyError(`NOPERM this user has no permissions to run the '${name}' command`);
  }

  private planBlocking(argv: readonly ByteString[]): BlockingPlan | ReplyError | undefined {
    const name = lower(argv[0]);
    const info = Engine.findCommand(name);
    if (info === undefined) return undefined;
    if (name === 'xread' || name === 'xreadgroup') {
      return streamPlan(argv, (keys) => keys.map((key) => this.lastStreamId(key)));
    }
    if (!info.isBlocking) return undefined;
    const resolved = Engine.resolve(argv);
    if (resolved instanceof ReplyError) return resolved;
    return blockingPlan(argv);
  }

  private lastStreamId(key: ByteString): ByteString {
    const { reply } = this.services.engine.execute(
      ['xrevrange', key, '+', '-', 'COUNT', '1'],
      this.services.clock.nowMs(),
    );
    const entry = Array.isArray(reply) ? (reply[0] as readonly Reply[] | undefined) : undefined;
    const id = entry?.[0];
    return typeof id === 'string' ? id : '0-0';
  }

  private async block(argv: readonly ByteString[], plan: BlockingPlan): Promise<RespValue> {
    let armed = false;
    let missed = false;
    let settle: ((value: RespValue) => void) | undefined;
    let busy = false;
    const attempt = async (): Promise<RespValue | undefined> => {
      const reply = await this.execution.command(plan.attempt);
      if (reply instanceof ReplyError) return reply;
      const answer = plan.answer(reply);
      return answer === undefined ? undefined : shapeReply(argv, answer);
    };
    const waiter = {
      keys: new Set(plan.keys),
      retry: async (): Promise<boolean> => {
        if (settle === undefined) return true;
        if (!armed || busy) {
          missed = true;
          return false;
        }
        busy = true;
        const value = await attempt();
        busy = false;
        if (value === undefined) return false;
        settle(value);
        return true;
      },
    };
    if (!this.services.blocked.add(waiter)) return new ReplyError('ERR max number of blocked clients reached');
    const result = new Promise<RespValue>((resolve) => {
      settle = (value) => {
        settle = undefined;
        timer?.cancel();
        this.cancelBlock = undefined;
        this.services.blocked.remove(waiter);
        resolve(value);
      };
    });
    const timer =
      plan.timeoutMs > 0 ? this.services.clock.setTimer(plan.timeoutMs, () => settle?.(NULL_ARRAY)) : undefined;
    this.cancelBlock = () => settle?.(NULL_ARRAY);
    const first = await attempt();
    if (first !== undefined) settle?.(first);
    armed = true;
    while (missed && settle !== undefined) {
      missed = false;
      await waiter.retry();
    }
    return result;
  }

  private auth(argv: readonly ByteString[]): RespValue {
    if (argv.length < 2 || argv.length > 3) return arityError('auth');
    if (this.services.auth === undefined) return new ReplyError(ERR_AUTH_NO_PASSWORD);
    const user = argv.length === 3 ? (argv[1] as string) : 'default';
    const granted = user === 'default' ? this.services.auth.authenticate(argv[argv.length - 1]) : undefined;
    if (granted === undefined) return new ReplyError(ERR_WRONGPASS);
    this.access = granted;
    this.execution.credential = argv[argv.length - 1];
    return OK;
  }

  private hello(argv: readonly ByteString[]): RespValue {
    let protocol = this.protocol;
    let i = 1;
    if (argv.length > 1) {
      const requested = Number(argv[1]);
      if (!/^-?\d+$/.test(argv[1] ?? ''))
        return new ReplyError('ERR Protocol version is not an integer or out of range');
      if (requested !== 2 && requested !== 3) return new ReplyError('NOPROTO unsupported protocol version');
      protocol = requested;
      i = 2;
    }
    let name: string | undefined;
    for (; i < argv.length; i++) {
      const option = lower(argv[i]);
      if (option === 'auth' && i + 2 < argv.length) {
        const reply = this.auth(['auth', argv[i + 1] as string, argv[i + 2] as string]);
        if (reply instanceof ReplyError) return reply;
        i += 2;
      } else if (option === 'setname' && i + 1 < argv.length) {
        name = argv[++i];
      } else {
        return new ReplyError(`ERR Syntax error in HELLO option '${argv[i] ?? ''}'`);
      }
    }
    if (this.access === undefined) return new ReplyError(ERR_HELLO_NOAUTH);
    if (name !== undefined) {
      const invalid = this.setName(name);
      if (invalid !== undefined) return invalid;
    }
    this.protocol = protocol;
    return new RespMap([
      ['server', 'redis'],
      ['version', SERVER_VERSION],
      ['proto', protocol],
      ['id', this.id],
      ['mode', 'standalone'],
      ['role', this.services.role() === 'primary' ? 'master' : 'replica'],
      ['modules', []],
    ]);
  }

  private setName(name: string): ReplyError | undefined {
    for (let i = 0; i < name.length; i++) {
      const code = name.charCodeAt(i);
      if (code < 33 || code > 126) {
        return new ReplyError('ERR Client names cannot contain spaces, newlines or special characters.');
      }
    }
    this.name = name;
    return undefined;
  }

  describe(nowMs: number): string {
    const flags = `${this.isSubscriber ? 'P' : ''}${this.cancelBlock !== undefined ? 'b' : ''}${this.queued !== undefined ? 'x' : ''}`;
    return (
      `id=${this.id} addr=${this.addr} laddr=${this.laddr} fd=-1 name=${this.name} ` +
      `age=${Math.floor((nowMs - this.createdMs) / 1000)} idle=${Math.floor((nowMs - this.lastCommandMs) / 1000)} ` +
      `flags=${flags || 'N'} db=0 sub=${this.channels} psub=${this.patterns} ssub=0 ` +
      `multi=${this.queued === undefined ? -1 : this.queued.length} qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 ` +
      `rbs=0 rbp=0 obl=0 oll=0 omem=${this.connection.outputBytes()} tot-mem=0 events=r cmd=${this.lastCommand} ` +
      `user=default redir=-1 resp=${this.protocol} lib-name=${this.libName} lib-ver=${this.libVersion}`
    );
  }

  kill(): void {
    this.connection.destroy('killed by CLIENT KILL');
  }

  private client(argv: readonly ByteString[]): RespValue {
    const sub = lower(argv[1]);
    const nowMs = this.services.clock.nowMs();
    const args = argv.length;
    switch (sub) {
      case 'setname':
        if (args !== 3) return arityError('client|setname');
        return this.setName(argv[2] as string) ?? OK;
      case 'getname':
        return args === 2 ? this.name || null : arityError('client|getname');
      case 'id':
        return args === 2 ? this.id : arityError('client|id');
      case 'info':
        return args === 2 ? shapeReply(['client', 'info'], `${this.describe(nowMs)}\n`) : arityError('client|info');
      case 'list':
        return shapeReply(['client', 'list'], this.clients.list(nowMs, this.listIds(argv)));
      case 'kill':
        return this.clientKill(argv);
      case 'setinfo':
        return this.clientSetInfo(argv);
      case 'no-evict':
      case 'no-touch':
        if (args !== 3) return arityError(`client|${sub}`);
        return lower(argv[2]) === 'on' || lower(argv[2]) === 'off' ? OK : new ReplyError('ERR syntax error');
      default:
        return new ReplyError(`ERR unknown subcommand '${argv[1] ?? ''}'. Try CLIENT HELP.`);
    }
  }

  private listIds(argv: readonly ByteString[]): Set<number> | undefined {
    if (argv.length < 4 || lower(argv[2]) !== 'id') return undefined;
    return new Set(argv.slice(3).map(Number));
  }

  private clientKill(argv: readonly ByteString[]): RespValue {
    if (argv.length === 3) {
      const killed = this.clients.kill([['addr', argv[2] as string]], this);
      return killed > 0 ? OK : new ReplyError('ERR No such client');
    }
    if (argv.length < 4 || argv.length % 2 !== 0) return new ReplyError('ERR syntax error');
    const filters: [string, string][] = [];
    for (let i = 2; i < argv.length; i += 2) filters.push([lower(argv[i]), argv[i + 1] as string]);
    if (filters.some(([name]) => !['id', 'addr', 'laddr', 'skipme'].includes(name)))
      return new ReplyError('ERR syntax error');
    return this.clients.kill(filters, this);
  }

  private clientSetInfo(argv: readonly ByteString[]): RespValue {
    if (argv.length !== 4) return arityError('client|setinfo');
    const attribute = lower(argv[2]);
    if (attribute === 'lib-name') this.libName = argv[3] as string;
    else if (attribute === 'lib-ver') this.libVersion = argv[3] as string;
    else return new ReplyError(`ERR Unrecognized option '${argv[2] ?? ''}'`);
    return OK;
  }

  private multi(argv: readonly ByteString[]): RespValue {
    if (argv.length !== 1) return arityError('multi');
    if (this.queued !== undefined) return new ReplyError('ERR MULTI calls can not be nested');
    this.queued = [];
    this.queueFailed = false;
    return OK;
  }

  private enqueue(argv: readonly ByteString[]): RespValue {
    const queued = this.queued as (readonly ByteString[])[];
    const resolved = Engine.resolve(argv);
    let refusal: string | undefined;
    if (resolved instanceof ReplyError) refusal = resolved.message;
    else if (this.access === 'readonly') refusal = commandRefusal(argv, 'readonly');
    if (refusal === undefined && queued.length >= this.services.limits.transactionCommandsMax) {
      refusal = `ERR MULTI queue is full (${this.services.limits.transactionCommandsMax} commands)`;
    }
    if (refusal !== undefined) {
      this.queueFailed = true;
      return new ReplyError(refusal);
    }
    queued.push(argv);
    return QUEUED;
  }

  private discard(): RespValue {
    if (this.queued === undefined) return new ReplyError('ERR DISCARD without MULTI');
    this.queued = undefined;
    this.services.watches.unwatch(this.watch);
    this.watchOffset = undefined;
    return OK;
  }

  private exec(): RespValue[] | Promise<RespValue[]> {
    const commands = this.queued;
    if (commands === undefined) return [new ReplyError('ERR EXEC without MULTI')];
    this.queued = undefined;
    const dirty = this.watch.dirty;
    // On a replica the primary checks the watched keys too: a change it has not streamed here yet counts.
    const guard =
      this.watchOffset !== undefined && this.watch.keys.size > 0
        ? { offset: this.watchOffset, keys: [...this.watch.keys] }
        : undefined;
    this.watchOffset = undefined;
    this.services.watches.unwatch(this.watch);
    if (this.queueFailed) return [new ReplyError(ERR_EXECABORT)];
    if (dirty) return [NULL_ARRAY];
    if (commands.length === 0) return [[]];
    // Inside MULTI a blocking command never blocks (as in Redis): it runs as its non-blocking form and,
    // finding nothing, answers as that form does.
    const plans = commands.map((argv) => this.planBlocking(argv));
    const runs = commands.map((argv, i) => {
      const plan = plans[i];
      return plan === undefined || plan instanceof ReplyError ? argv : plan.attempt;
    });
    const shapeOne = (reply: Reply, i: number): RespValue => {
      const plan = plans[i];
      const argv = commands[i] as ByteString[];
      if (plan instanceof ReplyError) return plan;
      if (plan === undefined || reply instanceof ReplyError) return shapeReply(argv, reply);
      const answer = plan.answer(reply);
      return answer === undefined ? shapeReply(plan.attempt, reply) : shapeReply(argv, answer);
    };
    const shape = (replies: Reply[] | ReplyError | null): RespValue[] => {
      if (replies === null) return [NULL_ARRAY];
      return replies instanceof ReplyError ? [replies] : [replies.map(shapeOne)];
    };
    const result = this.execution.transaction(runs, guard);
    return result instanceof Promise ? result.then(shape) : shape(result);
  }

  private watchKeys(argv: readonly ByteString[]): RespValue {
    if (argv.length < 2) return arityError('watch');
    if (this.queued !== undefined) return new ReplyError('ERR WATCH inside MULTI is not allowed');
    if (this.watchOffset === undefined && this.services.role() === 'replica') {
      this.watchOffset = parseSyncToken(this.services.router.currentSyncToken())?.offset ?? 0;
    }
    for (const key of argv.slice(1)) this.services.watches.watch(this.watch, key);
    return OK;
  }

  private subscribedPing(argv: readonly ByteString[]): RespValue {
    if (argv.length > 2) return arityError('ping');
    return ['pong', argv[1] ?? ''];
  }

  private subscribe(name: 'subscribe' | 'psubscribe', targets: readonly ByteString[]): RespValue[] {
    if (targets.length === 0) return [arityError(name)];
    const hub = this.services.hub;
    return targets.map((target) => {
      const count = name === 'subscribe' ? hub.subscribe(target, this) : hub.psubscribe(target, this);
      this.countSubscriptions();
      return new RespPush([name, target, count]);
    });
  }

  private unsubscribe(name: 'unsubscribe' | 'punsubscribe', targets: readonly ByteString[]): RespValue[] {
    const hub = this.services.hub;
    const own = hub.subscriptionsOf(this);
    const list = targets.length > 0 ? targets : name === 'unsubscribe' ? own.channels : own.patterns;
    if (list.length === 0) return [new RespPush([name, null, this.channels + this.patterns])];
    return list.map((target) => {
      const count = name === 'unsubscribe' ? hub.unsubscribe(target, this) : hub.punsubscribe(target, this);
      this.countSubscriptions();
      return new RespPush([name, target, count]);
    });
  }

  private countSubscriptions(): void {
    const own = this.services.hub.subscriptionsOf(this);
    this.channels = own.channels.length;
    this.patterns = own.patterns.length;
  }

  deliver(event: PubSubEvent): boolean {
    if (this.closed) return false;
    const push =
      event.kind === 'message'
        ? new RespPush(['message', event.channel, event.message])
        : new RespPush(['pmessage', event.pattern, event.channel, event.message]);
    this.connection.send([push]);
    return true;
  }

  close(reason: string): void {
    this.connection.destroy(reason);
  }

  reset(): void {
    this.queued = undefined;
    this.services.watches.unwatch(this.watch);
    this.watchOffset = undefined;
    this.services.hub.remove(this);
    this.channels = this.patterns = 0;
    this.cancelBlock?.();
    this.protocol = 2;
    this.name = '';
    if (this.services.auth !== undefined) {
      this.access = undefined;
      this.execution.credential = undefined;
    }
  }

  /** The connection is gone: drop its subscriptions, watches and blocked command. */
  dispose(): void {
    this.closed = true;
    this.services.watches.unwatch(this.watch);
    this.services.hub.remove(this);
    this.cancelBlock?.();
  }

  get authRequired(): boolean {
    return this.access === undefined;
  }
}
