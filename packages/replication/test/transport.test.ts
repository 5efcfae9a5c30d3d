import { MemoryNetwork, SystemClock, WsConnector, WsListener } from '@meridian/replication';
import { closeHttp, listenHttp, portOf } from './harness.js';
import { transportContract } from './transport-contract.js';

transportContract('ws', async () => {
  const closed = await listenHttp();
  const deadPort = portOf(closed);
  await closeHttp(closed);
  const server = await listenHttp();
  const frameBytesMax = 100_000;
  const listener = new WsListener({ server, frameBytesMax });
  const url = `ws://127.0.0.1:${portOf(server)}/_meridian/replication`;
  return {
    listener,
    connector: new WsConnector({ url, frameBytesMax }),
    unreachable: new WsConnector({ url: `ws://127.0.0.1:${deadPort}/_meridian/replication` }),
    frameBytesMax,
    async dispose() {
      await listener.close();
      await closeHttp(server);
    },
  };
});

transportContract('memory', async () => {
  const frameBytesMax = 100_000;
  const network = new MemoryNetwork(new SystemClock(), frameBytesMax);
  const listener = network.listen('primary');
  return {
    listener,
    connector: network.connector('primary'),
    unreachable: network.connector('nowhere'),
    frameBytesMax,
    dispose: () => listener.close(),
  };
});
