export type { Clock, TimerHandle } from './clock.js';
export { SeededRandom } from './random.js';
export type { Distribution, DistributionKind } from './distribution.js';
export {
  LagConfigError,
  fixed,
  uniform,
  normal,
  exponential,
  pareto,
  empirical,
  parseDistribution,
  standardNormalCdf,
  LAG_MS_MAX,
  PARETO_MS_MAX_DEFAULT,
  PARETO_SHAPE_MIN,
  PARETO_SHAPE_MAX,
} from './distribution.js';
export type { GeoPoint } from './geo.js';
export { greatCircleKm, geoDelayMs, ONE_WAY_MS_PER_KM, SINGAPORE, NORTH_VIRGINIA } from './geo.js';
export type { JitterMode, Stall, LinkSettings, LinkChange, LinkConfig } from './link-model.js';
export { LinkModel, parseLinkSettings, predictedVisibility } from './link-model.js';
export type { DelayLineOptions } from './delay-line.js';
export { OrderedDelayLine } from './delay-line.js';
export { VirtualClock } from './virtual-clock.js';
export { ArrivalQueue } from './arrival-queue.js';
