// Child process of bench-replication.mjs: N replicas over real WebSockets; reports commit→applied
// latencies (ms) per entry, in batches, on stdout as JSON lines.
import { Engine } from '../packages/engine/dist/index.js';
import { EngineApplier, ReplicationReplica, SystemClock, WsConnector } from '../packages/replication/dist/index.js';

const [url, countText] = process.argv.slice(2);
const clock = new SystemClock();
let batch = [];
let appliedMax = 0;
for (let i = 0; i < Number(countText); i++) {
  const replica = new ReplicationReplica({
    connector: new WsConnector({ url }),
    applier: new EngineApplier(new Engine({ role: 'replica' })),
    clock,
    random: Math.random,
    replicaId: `bench-${i}`,
    region: `r${i}`,
    secret: 'bench-secret',
  });
  replica.on((event) => {
    if (event.kind !== 'applied') return;
    batch.push(event.appliedAtMs - event.commitTimeMs);
    if (i === 0) appliedMax = Math.max(appliedMax, event.offset);
  });
  replica.start();
}
setInterval(() => {
  process.stdout.write(`${JSON.stringify({ latencies: batch, appliedMax })}\n`);
  batch = [];
}, 200);
