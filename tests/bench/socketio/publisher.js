'use strict';
// The peer's business side: publishes through @socket.io/redis-emitter, the way a backend without a Socket.IO server
// of its own pushes to the cluster. Driven by the benchmark over stdin, one JSON command a line:
//   {"kind":"chan","room":"bench","firstSeq":0,"messages":M,"perSecond":x,"size":100}
//   {"kind":"direct","prefix":"c","clients":K,"firstSeq":0,"messages":M,"perSecond":x,"size":100}  (M per client)
// and answers each with {"event":"done","seconds":…,"sent":…}. Payloads are {"t":<unix µs at send>,"s":<seq>,"p":"x…"}
// padded to size bytes, the same as the RetroIm side (tests/RetroIm.Bench/BenchPayload.cs).
// Usage: node publisher.js --redis-port R     prints {"event":"ready"} once connected.
const readline = require('node:readline');
const { Emitter } = require('@socket.io/redis-emitter');
const Redis = require('ioredis');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const redis = new Redis({ host: '127.0.0.1', port: Number(arg('--redis-port', '6379')) });
const emitter = new Emitter(redis);

function nowMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

function payload(seq, size) {
  const t = nowMicros();
  const head = `{"t":${t},"s":${seq},"p":"`;
  return { t, s: seq, p: 'x'.repeat(Math.max(0, size - head.length - 2)) };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(cmd) {
  const started = performance.now();
  const total = cmd.kind === 'direct' ? cmd.messages * cmd.clients : cmd.messages;
  const intervalMs = 1000 / cmd.perSecond;
  let sent = 0;
  while (sent < total) {
    // Everything due by now goes out in one tick: timers are ~1 ms coarse, the rates are not.
    const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1);
    for (; sent < due; sent++) {
      if (cmd.kind === 'direct') {
        const client = sent % cmd.clients;
        emitter.to(cmd.prefix + client).emit('msg', payload(cmd.firstSeq + Math.floor(sent / cmd.clients), cmd.size));
      } else {
        emitter.to(cmd.room).emit('msg', payload(cmd.firstSeq + sent, cmd.size));
      }
    }
    if (sent < total) await sleep(Math.max(0, started + sent * intervalMs - performance.now()));
  }
  // The emitter's publishes are queued on the ioredis connection; a PING answered means they reached Redis.
  await redis.ping();
  return { event: 'done', seconds: (performance.now() - started) / 1000, sent };
}

redis.once('ready', () => {
  process.stdout.write(JSON.stringify({ event: 'ready' }) + '\n');
  const rl = readline.createInterface({ input: process.stdin });
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    if (line.trim() === 'exit') process.exit(0);
    queue = queue.then(async () => {
      try {
        process.stdout.write(JSON.stringify(await run(JSON.parse(line))) + '\n');
      } catch (e) {
        process.stdout.write(JSON.stringify({ event: 'error', message: String(e && e.message) }) + '\n');
      }
    });
  });
  rl.on('close', () => process.exit(0));
});
