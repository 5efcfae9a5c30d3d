import { subscriptionCommand } from './subscription.js';

/** SUBSCRIBE — answered with an error naming the event-stream and WebSocket ways to do it. */
export const subscribe = subscriptionCommand('subscribe', -2);
