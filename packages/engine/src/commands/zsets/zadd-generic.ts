import type { ByteString } from '../../bytes.js';
import type { ExecContext } from '../../context.js';
import { ERR_SYNTAX } from '../../errors.js';
import { CommandError, type Reply } from '../../reply.js';
import { ZSetValue } from '../../types/zset.js';
import { formatScore, parseScore, storedScore, writableZSet } from './zset-access.js';

interface ZAddFlags {
  nx: boolean;
  xx: boolean;
  gt: boolean;
  lt: boolean;
  ch: boolean;
  incr: boolean;
}

/**
 * Parses ZADD's flags; returns them and the index of the first score. ZINCRBY parses them too, as
 * Redis does (its increment may be read as a flag: `ZINCRBY k nx m` is then a syntax error).
 */
function parseFlags(argv: readonly ByteString[], incr: boolean): [ZAddFlags, number] {
  const flags: ZAddFlags = { nx: false, xx: false, gt: false, lt: false, ch: false, incr };
  let index = 2;
  for (; index < argv.length; index++) {
    const flag = (argv[index] as ByteString).toLowerCase();
    if (flag === 'nx' || flag === 'xx' || flag === 'gt' || flag === 'lt' || flag === 'ch' || flag === 'incr') {
      flags[flag] = true;
    } else break;
  }
  return [flags, index];
}

function checkFlags(flags: ZAddFlags, pairs: number): void {
  if (flags.xx && flags.nx) throw new CommandError('ERR XX and NX options at the same time are not compatible');
  if ((flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt)) {
    throw new CommandError('ERR GT, LT, and/or NX options at the same time are not compatible');
  }
  if (flags.incr && pairs > 1) throw new CommandError('ERR INCR option supports a single increment-element pair');
}

interface AddOutcome {
  added: number;
  updated: number;
  processed: number;
  /** The score of the last member processed (INCR's reply). */
  score: number;
}

/** Redis's zsetAdd over every pair. */
function addPairs(zset: ZSetValue, flags: ZAddFlags, members: ByteString[], scores: number[]): AddOutcome {
  const outcome: AddOutcome = { added: 0, updated: 0, processed: 0, score: 0 };
  for (let i = 0; i < members.length; i++) {
    const member = members[i] as ByteString;
    let score = scores[i] as number;
    const current = zset.score(member);
    if (current === undefined) {
      if (flags.xx) continue;
      zset.set(member, storedScore(score));
      outcome.added++;
    } else {
      if (flags.nx) continue;
      if (flags.incr) {
        score += current;
        if (Number.isNaN(score)) throw new CommandError('ERR resulting score is not a number (NaN)');
      }
      if ((flags.lt && score >= current) || (flags.gt && score <= current)) continue;
      if (score !== current) {
        zset.set(member, storedScore(score));
        outcome.updated++;
      }
    }
    outcome.processed++;
    outcome.score = score;
  }
  return outcome;
}

/**
 * ZADD and ZINCRBY. Every score is parsed before anything changes. Plain ZADD is deterministic
 * and replicates as is; INCR replicates as ZADD of the resulting score.
 */
export function zaddCommand(ctx: ExecContext, argv: readonly ByteString[], incrCommand: boolean): Reply {
  const key = argv[1] as ByteString;
  const [flags, scoreIndex] = parseFlags(argv, incrCommand);
  const pairArgs = argv.length - scoreIndex;
  if (pairArgs === 0 || pairArgs % 2 !== 0) throw new CommandError(ERR_SYNTAX);
  checkFlags(flags, pairArgs / 2);
  const scores: number[] = [];
  const members: ByteString[] = [];
  for (let i = scoreIndex; i < argv.length; i += 2) {
    scores.push(parseScore(argv[i] as ByteString));
    members.push(argv[i + 1] as ByteString);
  }
  let zset = writableZSet(ctx, key);
  if (zset === undefined) {
    if (flags.xx) return flags.incr ? null : 0;
    zset = new ZSetValue();
    ctx.addKey(key, zset);
  }
  const outcome = addPairs(zset, flags, members, scores);
  if (outcome.added + outcome.updated > 0) {
    if (flags.incr) ctx.propagate(['ZADD', key, formatScore(outcome.score), members[0] as ByteString]);
    else ctx.propagateAsIs();
  }
  if (flags.incr) return outcome.processed > 0 ? formatScore(outcome.score) : null;
  return flags.ch ? outcome.added + outcome.updated : outcome.added;
}
