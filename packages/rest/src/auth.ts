import { MeridianError } from '@meridian/engine';
import { hash, timingSafeEqual } from 'node:crypto';

/** What a request's token lets it do. */
export type Access = 'standard' | 'readonly';

export const ERR_AUTH = 'WRONGPASS invalid or missing auth token';

/** The SHA-256 digest a presented token is compared by. */
export function digestToken(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

/** One secret, compared in constant time: both sides are hashed to equal-length digests first. */
export class SecretToken {
  private readonly expected: Buffer;

  constructor(secret: string) {
    if (secret.length === 0) throw new MeridianError('MERIDIAN_AUTH_TOKEN_EMPTY', 'a token must not be empty');
    this.expected = digestToken(secret);
  }

  matches(presented: string | undefined): boolean {
    return presented !== undefined && this.matchesDigest(digestToken(presented));
  }

  /** Compares a digest made by `digestToken` (hash once, compare with several secrets). */
  matchesDigest(presented: Buffer): boolean {
    return timingSafeEqual(this.expected, presented);
  }
}

export interface RestTokens {
  /** May run any command. */
  readonly token: string;
  /** May run read commands only (see `commandRefusal`). */
  readonly readonlyToken?: string | undefined;
}

/** Checks a request's credential against the standard and read-only tokens. */
export class RestAuth {
  private readonly standard: SecretToken;
  private readonly readonlyToken: SecretToken | undefined;

  constructor(tokens: RestTokens) {
    this.standard = new SecretToken(tokens.token);
    this.readonlyToken = tokens.readonlyToken === undefined ? undefined : new SecretToken(tokens.readonlyToken);
  }

  /** The access the credential grants, or undefined when it is missing or wrong. */
  authenticate(credential: string | undefined): Access | undefined {
    if (credential === undefined) return undefined;
    const presented = digestToken(credential);
    const isStandard = this.standard.matchesDigest(presented);
    const isReadonly = this.readonlyToken?.matchesDigest(presented) ?? false;
    if (isStandard) return 'standard';
    return isReadonly ? 'readonly' : undefined;
  }
}
