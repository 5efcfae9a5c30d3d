import { defineCommand } from '../../command.js';

/** TIME: [unix seconds, microseconds] as bulk strings, from the command's time (the primary's clock). */
export const time = defineCommand({
  name: 'time',
  arity: 1,
  flags: [],
  handler: (ctx) => {
    const micros = Math.floor(ctx.nowMs * 1000);
    const seconds = Math.floor(micros / 1_000_000);
    return [String(seconds), String(micros - seconds * 1_000_000)];
  },
});
