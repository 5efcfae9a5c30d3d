/** The one consistency type, parser and printer live in @meridian/core; re-exported for the router's users. */
export { parseConsistency, formatConsistency } from '@meridian/core';
export type { Consistency } from '@meridian/core';
