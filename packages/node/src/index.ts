export { MeridianNode, NodeConfigError, isLoopbackHost } from './node.js';
export type { MeridianNodeOptions } from './node.js';
export { PrimaryExecutor } from './executor.js';
export type { CommandRouter, CommandBatch, BatchOutcome } from './executor.js';
export { RestHandler } from './handler.js';
export type { RestResponse, RestHandlerOptions } from './handler.js';
export { createHttpServer, HTTP_TIMEOUTS_DEFAULT } from './http-server.js';
export type { HttpServerOptions, StreamHandler, StreamRequest } from './http-server.js';
export { systemClock } from './clock.js';
