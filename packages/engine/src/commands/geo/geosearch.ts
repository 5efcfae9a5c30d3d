import { defineCommand } from '../../command.js';
import { georadiusGeneric } from './search.js';

/** GEOSEARCH key FROMMEMBER m|FROMLONLAT lon lat BYRADIUS r unit|BYBOX w h unit [ASC|DESC] [COUNT n [ANY]] [WITH…]. */
export const geosearch = defineCommand({
  name: 'geosearch',
  arity: -7,
  flags: ['readonly'],
  firstKey: 1,
  lastKey: 1,
  keyStep: 1,
  handler: (ctx, argv) => georadiusGeneric(ctx, argv, 'geosearch'),
});
