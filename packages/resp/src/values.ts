import type { Reply } from '@meridian/engine';

/** RESP3 map (`%`); a flat array of pairs in RESP2. */
export class RespMap {
  constructor(
    readonly entries: readonly (readonly [RespValue, RespValue])[],
    /** RESP2 form: one flat array (HGETALL), or an array of pairs (XREAD). */
    readonly resp2: 'flat' | 'pairs' = 'flat',
  ) {}
}

/** Pairs (ZRANGE … WITHSCORES): an array of 2-element arrays in RESP3, one flat array in RESP2. */
export class RespPairs {
  constructor(readonly pairs: readonly (readonly [RespValue, RespValue])[]) {}
}

/** RESP3 set (`~`); an array in RESP2. */
export class RespSet {
  constructor(readonly items: readonly RespValue[]) {}
}

/** RESP3 double (`,`); a bulk string in RESP2. `text` is Redis's formatting (`1.5`, `inf`). */
export class RespDouble {
  constructor(readonly text: string) {}
}

/** RESP3 push (`>`), for pub/sub messages; an array in RESP2. */
export class RespPush {
  constructor(readonly items: readonly RespValue[]) {}
}

/** RESP3 verbatim string (`=`, e.g. INFO's `txt`); a bulk string in RESP2. */
export class RespVerbatim {
  constructor(
    readonly format: string,
    readonly text: string,
  ) {}
}

/** The null of commands that answer arrays: `*-1` in RESP2, `_` in RESP3. */
export class RespNullArray {
  static readonly instance = new RespNullArray();
  private constructor() {}
}

export const NULL_ARRAY = RespNullArray.instance;

export type RespValue =
  | Exclude<Reply, readonly Reply[]>
  | readonly RespValue[]
  | RespMap
  | RespPairs
  | RespSet
  | RespDouble
  | RespPush
  | RespVerbatim
  | RespNullArray
  | boolean;

export type ProtocolVersion = 2 | 3;
