export type {
  AppendResult,
  DurabilityPolicy,
  EffectCommand,
  LogEntry,
  ReadResult,
  WriteLog,
} from './write-log.js';
export { MemoryWriteLog, entryBytes } from './memory-log.js';
