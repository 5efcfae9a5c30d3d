import { describe, expect, it } from 'vitest';
import { Engine, ReplyError } from '@meridian/engine';

function run(...argv: string[]): unknown {
  return new Engine({ role: 'primary' }).execute(argv, 1_000).reply;
}

const pairError = (pair: string) => new ReplyError(`ERR invalid longitude,latitude pair ${pair}`);

describe('geo: the invalid pair error prints both values as printf %f does', () => {
  it('keeps the sign of -0 and prints infinities as inf', () => {
    expect(run('GEOADD', 'g', '-0', '1e3', 'm')).toEqual(pairError('-0.000000,1000.000000'));
    expect(run('GEOADD', 'g', 'inf', '-inf', 'm')).toEqual(pairError('inf,-inf'));
    expect(run('GEOSEARCH', 'g', 'FROMLONLAT', '-0', 'inf', 'BYRADIUS', '1', 'km')).toEqual(pairError('-0.000000,inf'));
  });

  it('prints large values in full and rounds exact ties half to even', () => {
    expect(run('GEOADD', 'g', '1e22', '0', 'm')).toEqual(pairError('10000000000000000000000.000000,0.000000'));
    expect(run('GEOADD', 'g', '200.0078125', '0', 'm')).toEqual(pairError('200.007812,0.000000'));
    expect(run('GEOADD', 'g', '200.0234375', '0', 'm')).toEqual(pairError('200.023438,0.000000'));
  });
});
