// The mini-program adapter: RetroImConnection over a WeChat-style wx.connectSocket SocketTask, against a REAL
// ImServer node on a real redis-server (connect, receive, kick, reconnect with recovery after a node restart), plus
// the adapter's own contract with a scripted SocketTask. Programs: RETROIM_IMSERVER_DLL, RETROIM_IMCTL_DLL (fallback:
// the in-tree Debug builds), /usr/bin/redis-server.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { miniProgramWebSocket, myWebSocket, wxWebSocket } from '../adapters/miniprogram.js';
import { nextEvent, waitForState, within } from './support/events.mjs';
import { missingPrograms } from './support/processes.mjs';
import { realNode } from './support/real-node.mjs';
import { createWx } from './support/wx-socket.mjs';

const skip = missingPrograms();

describe('RetroImConnection on wx.connectSocket against a real ImServer', { skip: skip ?? false, timeout: 120000 }, () => {
  const real = realNode({ prefix: 'mp' });
  const { send } = real;

  after(() => {
    delete globalThis.wx;
  });

  function connect() {
    const wx = createWx();
    // As in a mini-program: the platform API is a global, and wxWebSocket() picks it up.
    globalThis.wx = wx;
    return { ...real.connect({ WebSocket: wxWebSocket() }), wx };
  }

  test('start_WxSocketTask_WelcomedReceivesMessagesAndPongs', async () => {
    const { conn, clientId, wx, messages } = connect();

    const welcome = await within(conn.start(), 20000, 'welcome');
    const message = nextEvent(conn, 'message', (m) => m.data.n === 1, 20000);
    await send(clientId, 1);
    await message;
    const pong = nextEvent(conn, 'pong', () => true, 10000);
    assert.equal(conn.send({ type: 'ping' }), true);
    await pong;

    assert.equal(welcome.clientId, clientId);
    assert.equal(wx.calls.length, 1);
    assert.match(wx.calls[0].url, /^ws:\/\/127\.0\.0\.1:\d+\/ws\?token=/);
    assert.deepEqual(messages.map((m) => m.data), [{ n: 1 }]);
    assert.equal(wx.tasks[0].sends, 1);

    conn.stop();
    assert.deepEqual(wx.tasks[0].closes.map((c) => c.code), [1000]);
  });

  test('kick_ForceOffline_ClosedWithoutReconnecting', async () => {
    const { conn, clientId, wx } = connect();
    await within(conn.start(), 20000, 'welcome');

    const closed = nextEvent(conn, 'state', (s) => s === 'closed', 20000);
    await real.imctl('kick', clientId);
    const [, info] = await closed;

    assert.equal(info.code, 4001);
    assert.equal(wx.calls.length, 1, 'no reconnect after a kick');
  });

  test('reconnect_NodeRestarted_NewSocketTaskReplaysMissedInOrder', async () => {
    const { conn, clientId, wx, messages } = connect();
    await within(conn.start(), 20000, 'welcome');
    const first = nextEvent(conn, 'message', (m) => m.data.n === 1, 20000);
    await send(clientId, 1);
    await first;

    const lost = nextEvent(conn, 'state', (s) => s === 'reconnecting', 10000);
    await real.node.killHard();
    await lost;
    for (const n of [2, 3]) await send(clientId, n);
    const recovered = nextEvent(conn, 'recovered', () => true, 40000);
    await real.node.start();
    const envelope = await recovered;
    await waitForState(conn, 'open', 10000);
    const live = nextEvent(conn, 'message', (m) => m.data.n === 4, 20000);
    await send(clientId, 4);
    await live;

    assert.deepEqual(messages.map((m) => m.data.n), [1, 2, 3, 4]);
    assert.deepEqual(envelope.streams.map((s) => [s.stream, s.replayed, s.offset]), [[`c:${clientId}`, 2, 3]]);
    assert.ok(wx.calls.length >= 2, 'a new SocketTask per attempt');
    assert.match(wx.calls.at(-1).url, /[?&]recover=[A-Za-z0-9_-]+$/, 'positions presented on the new connect URL');
    conn.stop();
  });
});

describe('miniProgramWebSocket with a scripted SocketTask', () => {
  function scripted(extra = {}) {
    const log = { requests: [], sends: [], closes: [] };
    const handlers = {};
    const api = {
      connectSocket(request) {
        log.requests.push(request);
        return {
          onOpen: (cb) => { handlers.open = cb; },
          onMessage: (cb) => { handlers.message = cb; },
          onClose: (cb) => { handlers.close = cb; },
          onError: (cb) => { handlers.error = cb; },
          send: (o) => log.sends.push(o.data),
          close: (o) => log.closes.push({ code: o.code, reason: o.reason }),
          ...extra,
        };
      },
    };
    return { api, log, handlers };
  }

  test('events_OpenMessageClose_MappedToBrowserShape', () => {
    const { api, handlers } = scripted();
    const Socket = miniProgramWebSocket(api);
    const ws = new Socket('ws://x/ws?token=t');
    const seen = [];
    ws.onopen = () => seen.push(['open', ws.readyState]);
    ws.onmessage = (e) => seen.push(['message', e.data]);
    ws.onclose = (e) => seen.push(['close', e.code, e.reason, ws.readyState]);

    assert.equal(ws.readyState, Socket.CONNECTING);
    assert.throws(() => ws.send('early'), /connecting/);
    handlers.open({});
    handlers.message({ data: '{"type":"pong"}' });
    handlers.message({ data: new TextEncoder().encode('{"type":"x"}').buffer });
    handlers.close({ code: 1012, reason: 'restart' });
    handlers.close({ code: 1000, reason: 'again' });

    assert.deepEqual(seen, [['open', 1], ['message', '{"type":"pong"}'], ['message', '{"type":"x"}'], ['close', 1012, 'restart', 3]]);
  });

  test('error_WithoutClose_ReportedAsAbnormalCloseOnce', () => {
    const { api, handlers } = scripted();
    const ws = new (miniProgramWebSocket(api))('ws://x/ws');
    const seen = [];
    ws.onerror = () => seen.push('error');
    ws.onclose = (e) => seen.push(`close ${e.code}`);

    handlers.error({ errMsg: 'connectSocket:fail' });
    handlers.close({});

    assert.deepEqual(seen, ['error', 'close 1006']);
  });

  test('close_ReservedCode_SentAs1000', () => {
    const { api, handlers, log } = scripted();
    const ws = new (miniProgramWebSocket(api))('ws://x/ws');
    handlers.open({});
    ws.send('{"type":"ping"}');
    ws.close(1001, 'bye');
    ws.close(4000, 'twice');

    assert.deepEqual(log.sends, ['{"type":"ping"}']);
    assert.deepEqual(log.closes, [{ code: 1000, reason: 'bye' }]);
  });

  test('myWebSocket_Alipay_AsksForASocketTask', () => {
    const { api, log } = scripted();
    globalThis.my = api;
    try {
      new (myWebSocket({ header: { 'X-App': 'retro' } }))('ws://x/ws');
    } finally {
      delete globalThis.my;
    }
    assert.equal(log.requests[0].multiple, true);
    assert.deepEqual(log.requests[0].header, { 'X-App': 'retro' });
    assert.equal(log.requests[0].url, 'ws://x/ws');
  });

  test('construct_NoSocketTaskReturned_ThrowsWithAHint', () => {
    const Socket = miniProgramWebSocket({ connectSocket: () => undefined });
    assert.throws(() => new Socket('ws://x/ws'), /multiple: true/);
  });
});
