import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX, ERR_WRONGTYPE } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import { SetValue } from '../../types/set.js';
import { ZSetValue } from '../../types/zset.js';
import { entriesReply, parseScore, requireLong, storedScore, storeZSet } from './zset-access.js';

export type CombineOperation = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** An input of ZUNION/ZINTER/ZDIFF: a sorted set, or a plain set whose members all score 1. */
interface Source {
  readonly value: ZSetValue | SetValue | undefined;
  weight: number;
}

interface CombineOptions {
  aggregate: Aggregate;
  withScores: boolean;
  /** ZINTERCARD's LIMIT; 0 = none. */
  limit: number;
}

function sizeOf(source: Source): number {
  return source.value?.size ?? 0;
}

function* entriesOf(source: Source): Generator<[ByteString, number]> {
  const value = source.value;
  if (value instanceof ZSetValue) for (const { member, score } of value.entries()) yield [member, score];
  else if (value instanceof SetValue) for (const member of value.members.keysIterator()) yield [member, 1];
}

function scoreIn(source: Source, member: ByteString): number | undefined {
  const value = source.value;
  if (value instanceof ZSetValue) return value.score(member);
  return value?.has(member) === true ? 1 : undefined;
}

/** Reads numkeys and the keys (type-checked before any option is parsed, as Redis does). */
function lookupSources(ctx: ExecContext, argv: readonly ByteString[], numkeysIndex: number): Source[] {
  const numkeys = requireLong(argv[numkeysIndex] as ByteString);
  if (numkeys < 1) {
    throw new CommandError(`ERR at least 1 input key is needed for '${(argv[0] as ByteString).toLowerCase()}' command`);
  }
  if (numkeys > argv.length - numkeysIndex - 1) throw new CommandError(ERR_SYNTAX);
  const sources: Source[] = [];
  for (let i = numkeysIndex + 1; i <= numkeysIndex + numkeys; i++) {
    const value = ctx.lookupRead(argv[i] as ByteString);
    if (value !== undefined && !(value instanceof ZSetValue) && !(value instanceof SetValue)) {
      throw new CommandError(ERR_WRONGTYPE);
    }
    sources.push({ value, weight: 1 });
  }
  return sources;
}

interface OptionRules {
  operation: CombineOperation;
  store: boolean;
  cardinalityOnly: boolean;
}

function parseAggregate(text: ByteString): Aggregate {
  const aggregate = text.toLowerCase();
  if (aggregate === 'sum' || aggregate === 'min' || aggregate === 'max') return aggregate;
  throw new CommandError(ERR_SYNTAX);
}

function parseOptions(argv: readonly ByteString[], from: number, sources: Source[], rules: OptionRules) {
  const options: CombineOptions = { aggregate: 'sum', withScores: false, limit: 0 };
  const scoring = rules.operation !== 'diff' && !rules.cardinalityOnly;
  for (let i = from; i < argv.length;) {
    const option = (argv[i] as ByteString).toLowerCase();
    const remaining = argv.length - i;
    if (scoring && remaining >= sources.length + 1 && option === 'weights') {
      for (const source of sources)
        source.weight = parseScore(argv[++i] as ByteString, 'ERR weight value is not a float');
      i++;
    } else if (scoring && remaining >= 2 && option === 'aggregate') {
      options.aggregate = parseAggregate(argv[i + 1] as ByteString);
      i += 2;
    } else if (!rules.store && !rules.cardinalityOnly && option === 'withscores') {
      options.withScores = true;
      i++;
    } else if (rules.cardinalityOnly && remaining >= 2 && option === 'limit') {
      options.limit = requireLong(argv[i + 1] as ByteString, "ERR LIMIT can't be negative");
      if (options.limit < 0) throw new CommandError("ERR LIMIT can't be negative");
      i += 2;
    } else {
      throw new CommandError(ERR_SYNTAX);
    }
  }
  return options;
}

/** Redis's zunionInterAggregate; a sum of +inf and -inf is 0. */
function aggregate(target: number, value: number, how: Aggregate): number {
  if (how === 'sum') {
    const sum = target + value;
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === 'min') return value < target ? value : target;
  return value > target ? value : target;
}

function weighted(score: number, weight: number): number {
  const value = score * weight;
  return Number.isNaN(value) ? 0 : value;
}

/** Members of every source, visiting the smallest source's members; stops at `limit` (0 = none). */
function intersect(
  sources: Source[],
  how: Aggregate,
  limit: number,
  emit: (member: ByteString, score: number) => void,
) {
  const [smallest, ...others] = sources;
  if (smallest === undefined || sizeOf(smallest) === 0) return;
  let found = 0;
  for (const [member, first] of entriesOf(smallest)) {
    let score = weighted(first, smallest.weight);
    let inAll = true;
    for (const other of others) {
      const value = scoreIn(other, member);
      if (value === undefined) {
        inAll = false;
        break;
      }
      score = aggregate(score, value * other.weight, how);
    }
    if (!inAll) continue;
    emit(member, score);
    if (limit > 0 && ++found >= limit) return;
  }
}

function unite(sources: Source[], how: Aggregate): Map<ByteString, number> {
  const scores = new Map<ByteString, number>();
  for (const source of sources) {
    for (const [member, score] of entriesOf(source)) {
      const value = weighted(score, source.weight);
      const current = scores.get(member);
      scores.set(member, current === undefined ? value : aggregate(current, value, how));
    }
  }
  return scores;
}

function subtract(sources: Source[]): Map<ByteString, number> {
  const [first, ...others] = sources;
  const scores = new Map<ByteString, number>();
  if (first === undefined) return scores;
  for (const [member, score] of entriesOf(first)) {
    if (!others.some((other) => scoreIn(other, member) !== undefined)) scores.set(member, score);
  }
  return scores;
}

function combine(operation: CombineOperation, sources: Source[], options: CombineOptions, store: boolean): ZSetValue {
  const result = new ZSetValue();
  const add = (member: ByteString, score: number): void => {
    if (store) result.setCopied(member, storedScore(score));
    else result.set(member, score);
  };
  if (operation === 'inter') intersect(sources, options.aggregate, 0, add);
  else
    for (const [member, score] of operation === 'union' ? unite(sources, options.aggregate) : subtract(sources))
      add(member, score);
  return result;
}

/**
 * ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD. Inputs may be sets (score 1). Like
 * Redis, union and intersection visit inputs from the smallest up, which fixes the order scores
 * are summed in. The STORE forms are deterministic and replicate as is.
 */
export function combineCommand(
  ctx: ExecContext,
  argv: readonly ByteString[],
  operation: CombineOperation,
  form: 'reply' | 'store' | 'cardinality',
): Reply {
  const numkeysIndex = form === 'store' ? 2 : 1;
  const sources = lookupSources(ctx, argv, numkeysIndex);
  const rules = { operation, store: form === 'store', cardinalityOnly: form === 'cardinality' };
  const options = parseOptions(argv, numkeysIndex + 1 + sources.length, sources, rules);
  if (operation !== 'diff') sources.sort((a, b) => sizeOf(a) - sizeOf(b));
  if (form === 'cardinality') {
    let cardinality = 0;
    intersect(sources, 'sum', options.limit, () => cardinality++);
    return cardinality;
  }
  const result = combine(operation, sources, options, form === 'store');
  if (form === 'store') return storeZSet(ctx, argv[1] as ByteString, result);
  return entriesReply(result.entries(), options.withScores);
}
