import { subscriptionCommand } from './subscription.js';

/** UNSUBSCRIBE — answered with an error naming the event-stream and WebSocket ways to do it. */
export const unsubscribe = subscriptionCommand('unsubscribe', -1);
