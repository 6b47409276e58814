// The fallback transport (server-sent events down, HTTP POST up) of RetroImConnection against a REAL ImServer node
// on a real redis-server: chosen at once without a WebSocket, or after WebSocket opens keep failing; the same
// envelopes, pings and recovery as over the WebSocket. Programs: RETROIM_IMSERVER_DLL, RETROIM_IMCTL_DLL.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { toSseUrl } from '../sse-socket.js';
import { nextEvent, within } from './support/events.mjs';
import { missingPrograms } from './support/processes.mjs';
import { realNode } from './support/real-node.mjs';

const skip = missingPrograms();

/** A WebSocket a blocking proxy would give: every open fails with an error and a 1006 close. */
class BlockedWebSocket {
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    setTimeout(() => {
      this.readyState = 3;
      if (this.onerror) this.onerror({ type: 'error' });
      if (this.onclose) this.onclose({ code: 1006, reason: '' });
    }, 5);
  }

  send() {
    throw new Error('not open');
  }

  close() {}
}

describe('toSseUrl', () => {
  test('toSseUrl_WebSocketConnectUrl_MapsSchemeAndPath', () => {
    assert.equal(toSseUrl('ws://127.0.0.1:5000/ws?token=abc'), 'http://127.0.0.1:5000/sse?token=abc');
    assert.equal(toSseUrl('wss://im.example.com/relay/ws?token=a&recover=b'), 'https://im.example.com/relay/sse?token=a&recover=b');
  });
});

describe('RetroImConnection over SSE against a real ImServer', { skip: skip ?? false, timeout: 120000 }, () => {
  const real = realNode({ prefix: 'sse' });
  const { connect, send } = real;

  test('start_OnlySseTransport_WelcomedAndReceivesMessagesInOrder', async () => {
    const { conn, clientId, messages } = connect({ transports: ['sse'] });
    const welcome = await within(conn.start(), 20000, 'welcome');
    assert.equal(conn.transport, 'sse');
    assert.equal(welcome.clientId, clientId);
    const second = nextEvent(conn, 'message', (m) => m.data.n === 2, 20000);
    await send(clientId, 1);
    await send(clientId, 2);
    await second;
    assert.deepEqual(messages.map((m) => m.data.n), [1, 2]);
    assert.deepEqual(messages.map((m) => m.pos.offset), [1, 2]);
    conn.stop();
  });

  test('send_PingOverPost_PongArrivesOnTheStream', async () => {
    const { conn } = connect({ transports: ['sse'] });
    await within(conn.start(), 20000, 'welcome');
    const pong = nextEvent(conn, 'pong', () => true, 10000);
    assert.equal(conn.send({ type: 'ping' }), true);
    await pong;
    const error = nextEvent(conn, 'error', () => true, 10000);
    conn.send({ type: 'nonsense' });
    assert.equal((await error).code, 'unknown_type');
    conn.stop();
  });

  test('start_WebSocketBlocked_FallsBackToSseAndGoesLive', async () => {
    const { conn, clientId, urls } = connect({ WebSocket: BlockedWebSocket, fallbackAfter: 2 });
    assert.equal(conn.transport, 'websocket');
    await within(conn.start(), 30000, 'welcome');
    assert.equal(conn.transport, 'sse');
    assert.ok(urls.length >= 3, `two WebSocket attempts, then SSE (${urls.length} urls)`);
    const live = nextEvent(conn, 'message', (m) => m.data.n === 7, 20000);
    await send(clientId, 7);
    await live;
    conn.stop();
  });

  test('start_NoWebSocketAtAll_UsesSseAtOnce', async () => {
    // As in a browser with WebSockets disabled: no global WebSocket when the connection is made.
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    delete globalThis.WebSocket;
    let made;
    try {
      made = connect({ WebSocket: undefined });
    } finally {
      if (saved) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
    const { conn, urls } = made;
    assert.equal(conn.transport, 'sse');
    await within(conn.start(), 20000, 'welcome');
    assert.equal(urls.length, 1);
    conn.stop();
  });

  test('restart_MessagesSentWhileAway_ReplayedOverSse', async () => {
    const { conn, clientId, messages } = connect({ transports: ['sse'] });
    await within(conn.start(), 20000, 'welcome');
    const first = nextEvent(conn, 'message', (m) => m.data.n === 1, 20000);
    await send(clientId, 1);
    await first;
    conn.stop();
    await send(clientId, 2);
    await send(clientId, 3);
    const recovered = nextEvent(conn, 'recovered', () => true, 20000);
    const third = nextEvent(conn, 'message', (m) => m.data.n === 3, 20000);
    await within(conn.start(), 20000, 'welcome again');
    const envelope = await recovered;
    await third;
    assert.deepEqual(messages.map((m) => m.data.n), [1, 2, 3]);
    assert.deepEqual(envelope.streams.map((s) => [s.stream, s.replayed, s.offset]), [[`c:${clientId}`, 2, 3]]);
    conn.stop();
  });
});
