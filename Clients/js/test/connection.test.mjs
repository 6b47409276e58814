// RetroImConnection without an ImServer: argument checks, failures before a socket exists, and servers that refuse
// or never answer (real loopback HTTP/TCP servers started here).

import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { after, describe, test } from 'node:test';
import { CloseCodes, RetroImConnection } from '../retroim.js';
import { nextEvent, recordStates, within } from './support/events.mjs';
import { TestWebSocket } from './support/mini-websocket.mjs';

const fastBackoff = { initialMs: 20, maxMs: 80, factor: 2, jitter: 0 };

function listen(server) {
  return new Promise((res) => server.listen(0, '127.0.0.1', () => res(server.address().port)));
}

describe('RetroImConnection options', () => {
  test('constructor_WithoutGetConnectUrl_Throws', () => {
    assert.throws(() => new RetroImConnection({}), TypeError);
    assert.throws(() => new RetroImConnection(), TypeError);
  });

  test('constructor_WithBadTimings_Throws', () => {
    const getConnectUrl = async () => 'ws://127.0.0.1:1/ws';
    assert.throws(() => new RetroImConnection({ getConnectUrl, WebSocket: TestWebSocket, pingIntervalMs: 0 }), RangeError);
    assert.throws(() => new RetroImConnection({ getConnectUrl, WebSocket: TestWebSocket, pongTimeoutMs: -5 }), RangeError);
    assert.throws(() => new RetroImConnection({ getConnectUrl, WebSocket: TestWebSocket, backoff: { factor: 0 } }), RangeError);
  });

  test('newConnection_BeforeStart_IsClosedAndCannotSend', () => {
    const conn = new RetroImConnection({ getConnectUrl: async () => 'ws://x', WebSocket: TestWebSocket });
    assert.equal(conn.state, 'closed');
    assert.equal(conn.welcome, null);
    assert.equal(conn.send({ type: 'ping' }), false);
    conn.stop(); // a no-op, not an error
    assert.equal(conn.state, 'closed');
  });

  test('on_Unsubscribe_StopsDelivery', async () => {
    let calls = 0;
    const conn = new RetroImConnection({
      getConnectUrl: async () => { throw new Error('offline'); },
      WebSocket: TestWebSocket,
      backoff: fastBackoff,
    });
    const off = conn.on('state', () => calls++);
    off();
    off(); // twice is harmless
    conn.start();
    conn.stop();
    assert.equal(calls, 0);
  });
});

describe('RetroImConnection before a socket exists', () => {
  test('start_GetConnectUrlKeepsFailing_RetriesWithBackoffAndStaysConnecting', async () => {
    let calls = 0;
    const conn = new RetroImConnection({
      getConnectUrl: async () => { calls++; throw new Error('HTTP 503'); },
      WebSocket: TestWebSocket,
      backoff: fastBackoff,
    });
    const retries = [];
    conn.on('retry', (info) => retries.push(info));
    const states = recordStates(conn);
    const started = conn.start();
    await nextEvent(conn, 'retry', (info) => info.attempt === 3, 5000);
    conn.stop();
    await assert.rejects(within(started, 1000, 'start() to reject'), /stopped/);
    assert.deepEqual(retries.slice(0, 4).map((r) => r.delayMs), [20, 40, 80, 80]);
    assert.ok(retries.every((r) => r.error.message === 'HTTP 503'));
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'closed']);
    const callsAtStop = calls;
    await new Promise((r) => setTimeout(r, 200)); // longer than any backoff delay: nothing may run after stop()
    assert.equal(calls, callsAtStop);
  });

  test('start_GetConnectUrlThrowsRetryFalse_ClosesAndRejects', async () => {
    let calls = 0;
    const fatal = Object.assign(new Error('401 Unauthorized'), { retry: false });
    const conn = new RetroImConnection({
      getConnectUrl: async () => { calls++; throw fatal; },
      WebSocket: TestWebSocket,
      backoff: fastBackoff,
    });
    const states = recordStates(conn);
    await assert.rejects(within(conn.start(), 2000, 'start() to reject'), (e) => e === fatal);
    assert.equal(conn.state, 'closed');
    assert.equal(calls, 1);
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'closed']);
    assert.equal(states[1].error, fatal);
  });

  test('start_GetConnectUrlReturnsNoString_Retries', async () => {
    const conn = new RetroImConnection({ getConnectUrl: async () => 42, WebSocket: TestWebSocket, backoff: fastBackoff });
    conn.start();
    const info = await nextEvent(conn, 'retry', () => true, 2000);
    conn.stop();
    assert.match(info.error.message, /non-empty URL/);
  });

  test('start_Twice_ReturnsTheSamePendingPromise', () => {
    const conn = new RetroImConnection({
      getConnectUrl: () => new Promise(() => {}),
      WebSocket: TestWebSocket,
    });
    const a = conn.start();
    const b = conn.start();
    assert.equal(a, b);
    conn.stop();
  });
});

describe('RetroImConnection against servers that are not ImServer', () => {
  const servers = [];
  after(() => {
    for (const s of servers) {
      s.closeAllConnections?.();
      s.close();
    }
  });

  test('start_ServerRefusesTheUpgrade_RetriesWithAFreshUrl', async () => {
    const http = createHttpServer((req, res) => res.writeHead(401).end('unknown token'));
    servers.push(http);
    const port = await listen(http);
    const urls = [];
    const conn = new RetroImConnection({
      getConnectUrl: async () => {
        const url = `ws://127.0.0.1:${port}/ws?token=t${urls.length}`;
        urls.push(url);
        return url;
      },
      WebSocket: TestWebSocket,
      backoff: fastBackoff,
    });
    conn.start();
    const info = await nextEvent(conn, 'retry', (i) => i.attempt === 1, 5000);
    conn.stop();
    assert.equal(info.code, CloseCodes.Abnormal);
    assert.equal(conn.state, 'closed');
    assert.ok(urls.length >= 2);
    assert.equal(new Set(urls).size, urls.length, 'every attempt asks for a new URL');
  });

  test('start_ServerNeverAnswers_GivesUpAfterConnectTimeoutAndRetries', async () => {
    const sockets = new Set();
    const blackHole = createTcpServer((s) => { sockets.add(s); s.on('error', () => {}); });
    blackHole.closeAllConnections = () => { for (const s of sockets) s.destroy(); };
    servers.push(blackHole);
    const port = await listen(blackHole);
    let calls = 0;
    const conn = new RetroImConnection({
      getConnectUrl: async () => { calls++; return `ws://127.0.0.1:${port}/ws`; },
      WebSocket: TestWebSocket,
      connectTimeoutMs: 200,
      backoff: fastBackoff,
    });
    conn.start();
    const info = await nextEvent(conn, 'retry', () => true, 5000);
    conn.stop();
    assert.equal(info.code, CloseCodes.HeartbeatTimeout);
    assert.match(info.reason, /no welcome/);
    assert.equal(conn.state, 'closed');
    assert.equal(calls, 1);
  });
});
