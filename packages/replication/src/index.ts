export { PROTOCOL_VERSION, encodeFrame, decodeFrame, entryChecksum } from './protocol.js';
export type {
  Frame,
  HelloFrame,
  WelcomeFrame,
  SnapshotBeginFrame,
  SnapshotChunkFrame,
  SnapshotEndFrame,
  EntriesFrame,
  HeartbeatFrame,
  AckFrame,
  ErrorFrame,
} from './protocol.js';
export {
  REPLICATION_ERROR_CODES,
  FATAL_CODES,
  CLOSE_CODE_ERROR,
  ReplicationError,
  isReplicationErrorCode,
} from './errors.js';
export type { ReplicationErrorCode } from './errors.js';
export { CLOSE_NORMAL, CLOSE_TOO_BIG, ConnectionBase } from './transport.js';
export type { Connection, ConnectionHandlers, Listener, Connector } from './transport.js';
export { WsListener, WsConnector, REPLICATION_PATH, tlsConnectError } from './ws-transport.js';
export {
  ASSEMBLED_BYTES_MAX_DEFAULT,
  FRAME_BYTES_MAX_DEFAULT,
  FrameAssembler,
  REPLICA_FRAME_BYTES_MAX,
  splitFrame,
} from './frame-parts.js';
export type { WsListenerOptions, WsConnectorOptions, TlsTrust } from './ws-transport.js';
export { MemoryNetwork, deliversArrived } from './memory-transport.js';
export type { ArrivedDelivery } from './memory-transport.js';
export { DelayedConnection } from './delayed-connection.js';
export { SystemClock } from './system-clock.js';
export { ENTRIES_PER_FRAME_MAX_DEFAULT, ReplicationPrimary } from './primary.js';
export type { PrimaryOptions, PrimaryEvent, ReplicaStatus, Snapshot, SnapshotSource } from './primary.js';
export type { SessionState } from './primary-session.js';
export { ReplicationReplica } from './replica.js';
export type { ReplicaApplier, ReplicaEvent, ReplicaOptions, ReplicaState } from './replica.js';
export { CUT_OFFS_UNHEALTHY, RECONNECT_DELAY_MS_MAX_DEFAULT, RECONNECT_DELAY_MS_MIN_DEFAULT } from './replica.js';
export { EngineApplier, engineSnapshotSource } from './engine-adapters.js';
export { secretsEqual } from './secret.js';
export { crc32 } from './crc32.js';
export { entriesInFrame } from './binary-frames.js';
