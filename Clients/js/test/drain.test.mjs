// A node drain moves RetroImConnection clients make-before-break, against REAL ImServer nodes on a real redis-server:
// each client opens its new connection (on the other node) before closing the old one, so presence never reports it
// offline; positions make every message arrive once and in order across the move; and the moves follow the node's
// jittered afterMs over the drain window rather than arriving as one storm.
// Programs: RETROIM_IMSERVER_DLL, RETROIM_IMCTL_DLL (fallback: the in-tree Debug builds), /usr/bin/redis-server.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createConnection } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { RetroImConnection } from '../retroim.js';
import { within } from './support/events.mjs';
import { TestWebSocket } from './support/mini-websocket.mjs';
import { freePort, imctl, killAll, missingPrograms, programs, startRedis, waitUntil } from './support/processes.mjs';

const skip = missingPrograms();
const windowMs = 4000;
const clientCount = 8;

describe('RetroImConnection drain move against real ImServer nodes', { skip: skip ?? false, timeout: 120000 }, () => {
  let redis;
  const nodes = [];
  const connections = [];

  before(async () => {
    redis = await startRedis();
  });

  after(async () => {
    for (const c of connections) c.stop();
    await Promise.all(nodes.map((n) => n.stop()));
    await killAll();
  });

  test('drain_ClientsWhileMessagesFlow_MoveWithoutOfflineLossOrDuplicateSpreadOverTheWindow', async () => {
    const drained = await startNode(redis.port);
    nodes.push(drained);
    const presence = await watchPresence(redis.port);
    try {
      // The business's URL provider: the drained node until the drain begins, then the other one (as ImHelper routes
      // around draining nodes). It issues tickets itself, in milliseconds as a real backend does, because a dotnet
      // process per URL (imctl) would take longer than the node's grace after afterMs on a loaded box.
      let routeTo = drained;
      const clients = [];
      for (let i = 0; i < clientCount; i++) clients.push(connect(`mbb${i}-${randomUUID().slice(0, 8)}`, () => routeTo));
      connections.push(...clients.map((c) => c.conn));
      await within(Promise.all(clients.map((c) => c.conn.start())), 60000, 'every client welcomed');
      assert.deepEqual(clients.map((c) => c.conn.welcome.node), clients.map(() => drained.id), 'all start on the node to drain');
      const target = await startNode(redis.port);
      nodes.push(target);

      const ids = clients.map((c) => c.clientId);
      let sent = 0;
      const sendNext = async () => {
        await imctl(redis.port, 'send', '-', ...ids, JSON.stringify({ n: sent + 1 }));
        sent++;
      };
      await sendNext();
      const drainedAt = Date.now();
      routeTo = target;
      await imctl(redis.port, 'drain', drained.id);
      // Keep publishing while the clients move, so messages cross every move.
      while (clients.some((c) => c.movedAt === null) && Date.now() - drainedAt < windowMs + 30000) await sendNext();
      await sendNext();
      await waitUntil(() => clients.every((c) => c.received.includes(sent)), 20000, `every client to receive message ${sent}`);

      const offline = presence.events.filter((e) => e.type === 'offline' && ids.includes(e.clientId));
      const moves = clients.map((c) => c.movedAt - drainedAt);
      const afterMs = clients.map((c) => c.afterMs);
      console.log(`sent=${sent}; afterMs: ${[...afterMs].sort((a, b) => a - b)}; moved after (ms): ${[...moves].sort((a, b) => a - b)}`);
      assert.deepEqual(offline, [], 'no client went offline during the move');
      for (const c of clients) {
        assert.equal(c.conn.welcome.node, target.id, `${c.clientId} moved to the other node`);
        assert.equal(c.conn.state, 'open');
        assert.deepEqual(c.received, Array.from({ length: sent }, (_, i) => i + 1), `${c.clientId}: every message once, in order`);
      }
      // Not a storm: each client moved at its own afterMs, and those spread over the window.
      assert.ok(Math.max(...afterMs) - Math.min(...afterMs) > windowMs / 4, `afterMs spread over the window: ${afterMs}`);
      assert.ok(Math.max(...moves) - Math.min(...moves) > windowMs / 4, `moves spread over the window: ${moves}`);
      for (const c of clients) assert.ok(c.movedAt - drainedAt >= c.afterMs, `${c.clientId} waited its afterMs`);
    } finally {
      presence.close();
    }
  });

  function connect(clientId, node) {
    const conn = new RetroImConnection({
      getConnectUrl: () => issueUrl(redis.port, node(), clientId),
      WebSocket: TestWebSocket,
      backoff: { initialMs: 100, maxMs: 500, factor: 2, jitter: 0.5 },
    });
    const client = { conn, clientId, received: [], afterMs: null, movedAt: null, firstNode: null };
    conn.on('message', (m) => client.received.push(m.data.n));
    conn.on('reconnect', (r) => { client.afterMs ??= r.afterMs; });
    conn.on('welcome', (w) => {
      client.firstNode ??= w.node;
      if (w.node !== client.firstNode && client.movedAt === null) client.movedAt = Date.now();
    });
    return client;
  }
});

/** An ImServer node with a short drain window; its node id is host:port. */
async function startNode(redisPort) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('dotnet', [
    programs.imServer,
    '--urls', url,
    `--ImServer:Server=ws://127.0.0.1:${port}`,
    `--ImServer:Redis=127.0.0.1:${redisPort}`,
    `--ImServer:DrainWindow=00:00:0${windowMs / 1000}`,
    '--ImServer:HeartbeatInterval=00:00:01',
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DOTNET_NOLOGO: '1' } });
  let output = '';
  const keep = (d) => { output = (output + d).slice(-20000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((res) => child.once('exit', res));
  const alive = () => child.exitCode === null && child.signalCode === null;
  await waitUntil(async () => {
    if (!alive()) throw new Error(`ImServer exited: ${output}`);
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200;
  }, 30000, `ImServer ${url}/health to answer 200`);
  return {
    id: `127.0.0.1:${port}`,
    stop: async () => {
      if (alive()) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Stores a connect ticket the way ImHelper does (README "Redis keys": im:ticket:{token}) and returns its URL. */
async function issueUrl(redisPort, node, clientId) {
  const token = randomBytes(18).toString('base64url');
  const ticket = JSON.stringify({ clientId, metadata: null, nodeId: node.id, issuedAtMs: Date.now() });
  const reply = await redisCommand(redisPort, 'SET', `im:ticket:${token}`, ticket, 'PX', '30000');
  if (!reply.startsWith('+OK')) throw new Error(`SET im:ticket failed: ${reply}`);
  return `ws://${node.id}/ws?token=${token}`;
}

/** Runs one Redis command on a fresh connection and returns the raw reply. */
function redisCommand(redisPort, ...args) {
  return within(new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port: redisPort });
    socket.once('error', reject);
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString('utf8'));
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  }), 5000, `redis ${args[0]}`);
}

/** Subscribes to the backplane's presence events (im:events) with a bare RESP connection; records every event. */
function watchPresence(redisPort) {
  const events = [];
  const socket = createConnection({ host: '127.0.0.1', port: redisPort });
  let buffer = '';
  const ready = new Promise((resolve, reject) => {
    socket.once('data', resolve);
    socket.once('error', reject);
  });
  socket.on('data', (d) => {
    buffer += d.toString('utf8');
    const lines = buffer.split('\r\n');
    buffer = lines.pop();
    // Payloads are one-line JSON objects; the rest is RESP framing.
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        events.push(JSON.parse(line));
      } catch {
        // Not an event.
      }
    }
  });
  socket.write('SUBSCRIBE im:events\r\n');
  return within(ready, 10000, 'SUBSCRIBE im:events').then(() => ({ events, close: () => socket.destroy() }));
}
