/**
 * A stand-in for one of a live experiment's processes while `meridian calibrate --load-processes`
 * measures wake-ups: an event loop that works LOAD_BUSY_US of every LOAD_PERIOD_MS (a node serving
 * requests and replication), so the processes measured share the cores with it. Exits when its
 * parent goes.
 */
const LOAD_PERIOD_MS = 1;
const LOAD_BUSY_US = 250;

const work = (): void => {
  const startMs = performance.now();
  while ((performance.now() - startMs) * 1000 < LOAD_BUSY_US);
  setTimeout(work, LOAD_PERIOD_MS);
};
setTimeout(work, LOAD_PERIOD_MS);
process.send?.({ ready: true });
process.on('disconnect', () => process.exit(0));
