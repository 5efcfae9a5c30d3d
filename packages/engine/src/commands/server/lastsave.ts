import { defineCommand } from '../../command.js';

/**
 * LASTSAVE: unix seconds of the last durable save, as the host's persistence section reports it
 * (`rdb_last_save_time`); without one, the current time (the write log makes every write durable).
 */
export const lastsave = defineCommand({
  name: 'lastsave',
  arity: 1,
  flags: [],
  handler: (ctx) => {
    const persistence = ctx.engine.host.infoSections?.()['persistence'] ?? [];
    const field = persistence.find(([name]) => name === 'rdb_last_save_time');
    const seconds = field === undefined ? NaN : Number(field[1]);
    return Number.isSafeInteger(seconds) ? seconds : Math.floor(ctx.nowMs / 1000);
  },
});
