import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatSyncToken, parseSyncToken } from '@meridian/rest';

describe('sync tokens', () => {
  it('round-trips replication id and offset', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/), fc.nat(), (replicationId, offset) => {
        expect(parseSyncToken(formatSyncToken(replicationId, offset))).toEqual({ replicationId, offset });
      }),
    );
  });

  it('treats anything else as absent, never throwing', () => {
    for (const text of [
      undefined,
      '',
      'my-new-sync-token',
      '12',
      'a:',
      ':1',
      'a:01',
      'a:1e3',
      'a:-1',
      'a:99999999999999999',
      'a:b:c',
      'ü:1',
    ]) {
      expect(parseSyncToken(text)).toBeUndefined();
    }
    fc.assert(fc.property(fc.string(), (text) => void parseSyncToken(text)));
  });
});
