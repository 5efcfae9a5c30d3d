import { SystemClock } from '@meridian/replication';
import { clockContract } from '../../lag/test/clock-contract.js';

clockContract('SystemClock', () => ({
  clock: new SystemClock(),
  advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
}));
