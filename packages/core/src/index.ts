export { parseConsistency, formatConsistency, CONSISTENCY_SYNTAX } from './consistency.js';
export type { Consistency } from './consistency.js';
