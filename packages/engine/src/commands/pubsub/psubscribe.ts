import { subscriptionCommand } from './subscription.js';

/** PSUBSCRIBE — answered with an error naming the event-stream and WebSocket ways to do it. */
export const psubscribe = subscriptionCommand('psubscribe', -2);
