import { subscriptionCommand } from './subscription.js';

/** PUNSUBSCRIBE — answered with an error naming the event-stream and WebSocket ways to do it. */
export const punsubscribe = subscriptionCommand('punsubscribe', -1);
