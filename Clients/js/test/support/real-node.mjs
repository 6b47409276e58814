// One real ImServer node on a real redis-server for a describe() block, and RetroImConnections to it whose connect
// URLs come from imctl. Call realNode() inside describe(): it registers the before/after hooks that start the
// processes and stop every connection and process afterwards.

import { randomUUID } from 'node:crypto';
import { after, before } from 'node:test';
import { RetroImConnection } from '../../retroim.js';
import { recordStates } from './events.mjs';
import { TestWebSocket } from './mini-websocket.mjs';
import { connectUrl, imctl, ImServerNode, killAll, startRedis } from './processes.mjs';

/**
 * @param {{ prefix?: string, backoff?: object }} [defaults] clientId prefix and the connections' backoff
 * @returns {{ redis: object, node: ImServerNode, connect: Function, send: Function, imctl: Function }}
 *   redis and node are set once before() has run.
 */
export function realNode({ prefix = 'js', backoff = { initialMs: 100, maxMs: 500, factor: 2, jitter: 0.5 } } = {}) {
  const connections = [];
  const harness = {
    redis: null,
    node: null,

    /**
     * A started-later RetroImConnection for a new clientId; getConnectUrl asks imctl every time and records the
     * URLs. options are passed to RetroImConnection (e.g. WebSocket: wxWebSocket()). Returns the connection with
     * what it received: messages (every 'message' event) and states (every state change).
     */
    connect(options = {}) {
      const clientId = `${prefix}-${randomUUID().slice(0, 8)}`;
      const urls = [];
      const conn = new RetroImConnection({
        getConnectUrl: async () => {
          const url = await connectUrl(harness.redis.port, clientId);
          urls.push(url);
          return url;
        },
        WebSocket: TestWebSocket,
        backoff,
        ...options,
      });
      connections.push(conn);
      const messages = [];
      conn.on('message', (m) => messages.push(m));
      const states = recordStates(conn);
      return { conn, clientId, urls, messages, states };
    },

    /** Sends clientId the direct message {n} through imctl. */
    send: (clientId, n) => imctl(harness.redis.port, 'send', '-', clientId, JSON.stringify({ n })),

    /** Runs imctl against the node's Redis. */
    imctl: (...args) => imctl(harness.redis.port, ...args),
  };

  before(async () => {
    harness.redis = await startRedis();
    harness.node = await ImServerNode.start(harness.redis.port);
  });

  after(async () => {
    for (const c of connections) c.stop();
    await killAll();
  });

  return harness;
}
