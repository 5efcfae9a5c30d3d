export type {
  AppendResult,
  CommitObserver,
  DurabilityPolicy,
  EffectCommand,
  LogEntry,
  ReadResult,
  ReplicaWriteLog,
  WriteLog,
} from './write-log.js';
export { MemoryWriteLog, entryBytes } from './memory-log.js';
export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export type { SnapshotInfo, SnapshotReader, SnapshotStore } from './snapshot-store.js';
export { snapshotStoreOf } from './snapshot-store.js';
export { SqliteWriteLog } from './sqlite-log.js';
export type { OpenReport, RetentionLimits, SqliteWriteLogOptions, StoreStats } from './sqlite-log.js';
export type { RepairReport } from './sqlite-repair.js';
export { SCHEMA_VERSION } from './sqlite-schema.js';
export { recoverEngine, replayLog } from './recover.js';
export type { RecoveryOptions, RecoveryReport } from './recover.js';
export { ensureWritableDir, makeDirs } from './data-dir.js';
