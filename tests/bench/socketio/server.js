'use strict';
// One Socket.IO node of the benchmark's peer cluster: the Redis adapter on the run's redis-server, WebSocket transport
// only (the load generator speaks Engine.IO v4 / Socket.IO v5 over a raw WebSocket). A client names the room it joins
// in the handshake query: join=<room>, or join=$self for a per-client room (its clientId) in the direct scenario.
// Usage: node [--expose-gc] server.js --port P --redis-port R     prints {"event":"ready","port":P} once listening.
const http = require('node:http');
const { Server } = require('socket.io');
const { createAdapter } = require('@socket.io/redis-adapter');
const Redis = require('ioredis');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const port = Number(arg('--port'));
const redisPort = Number(arg('--redis-port', '6379'));
const pub = new Redis({ host: '127.0.0.1', port: redisPort, lazyConnect: false });
const sub = pub.duplicate();

const httpServer = http.createServer((req, res) => {
  // The benchmark's after-GC memory reading (node --expose-gc only): two full collections, then the RSS.
  if (req.method === 'POST' && req.url === '/debug/gc' && typeof global.gc === 'function') {
    global.gc();
    global.gc();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ rssBytes: process.memoryUsage().rss }));
    return;
  }
  res.writeHead(404);
  res.end();
});
const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  adapter: createAdapter(pub, sub),
});

io.on('connection', (socket) => {
  const { clientId, join } = socket.handshake.query;
  if (join === '$self' && typeof clientId === 'string') socket.join(clientId);
  else if (typeof join === 'string' && join.length > 0) socket.join(join);
});

Promise.all([
  new Promise((resolve) => (pub.status === 'ready' ? resolve() : pub.once('ready', resolve))),
  new Promise((resolve) => (sub.status === 'ready' ? resolve() : sub.once('ready', resolve))),
]).then(() => {
  httpServer.listen(port, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ event: 'ready', port }) + '\n');
  });
});

process.on('SIGTERM', () => process.exit(0));
