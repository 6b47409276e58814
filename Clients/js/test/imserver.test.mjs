// RetroImConnection against a REAL ImServer node on a real redis-server, with connect URLs and messages from imctl.
// Programs: RETROIM_IMSERVER_DLL, RETROIM_IMCTL_DLL (fallback: the in-tree Debug builds), /usr/bin/redis-server.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCodes } from '../retroim.js';
import { nextEvent, waitForState, within } from './support/events.mjs';
import { missingPrograms } from './support/processes.mjs';
import { realNode } from './support/real-node.mjs';

const skip = missingPrograms();

describe('RetroImConnection against a real ImServer', { skip: skip ?? false, timeout: 170000 }, () => {
  const real = realNode({ prefix: 'js', backoff: { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 } });
  const { connect } = real;

  test('start_ServerUp_ResolvesWithTheWelcome', async () => {
    const { conn, clientId, urls } = connect();
    const welcome = await within(conn.start(), 20000, 'welcome');
    assert.equal(conn.state, 'open');
    assert.equal(welcome.clientId, clientId);
    assert.equal(typeof welcome.connectionId, 'string');
    assert.ok(welcome.connectionId.length > 0);
    assert.equal(typeof welcome.node, 'string');
    assert.deepEqual(conn.welcome, welcome);
    assert.equal(urls.length, 1);
    assert.match(urls[0], new RegExp(`^ws://127\\.0\\.0\\.1:${real.node.port}/ws\\?token=`));
    conn.stop();
    assert.equal(conn.state, 'closed');
  });

  test('on_MessageSentWithImctl_ReceivesTheEnvelope', async () => {
    const { conn, clientId } = connect();
    await within(conn.start(), 20000, 'welcome');
    const received = nextEvent(conn, 'message', () => true, 20000);
    const all = nextEvent(conn, '*', (e) => e.type === 'message', 20000);
    await real.imctl('send', '-', clientId, '{"x":1,"s":"héllo"}');
    const envelope = await received;
    assert.equal(envelope.type, 'message');
    assert.deepEqual(envelope.data, { x: 1, s: 'héllo' });
    assert.equal(envelope.chan, null);
    assert.equal(typeof envelope.id, 'string');
    assert.equal(typeof envelope.ts, 'number');
    assert.equal(await all, envelope);
    conn.stop();
  });

  test('send_Ping_IsAnsweredWithPong', async () => {
    const { conn } = connect();
    await within(conn.start(), 20000, 'welcome');
    const pong = nextEvent(conn, 'pong', () => true, 10000);
    assert.equal(conn.send({ type: 'ping' }), true);
    assert.deepEqual(await pong, { type: 'pong' });
    conn.stop();
  });

  test('send_MalformedJson_GetsErrorFrameAndStaysOpen', async () => {
    const { conn } = connect();
    await within(conn.start(), 20000, 'welcome');
    const error = nextEvent(conn, 'error', () => true, 10000);
    assert.equal(conn.send('{"type": oops'), true);
    const frame = await error;
    assert.equal(frame.code, 'bad_json');
    assert.equal(typeof frame.message, 'string');
    const pong = nextEvent(conn, 'pong', () => true, 10000);
    conn.send({ type: 'ping' });
    await pong;
    assert.equal(conn.state, 'open');
    conn.stop();
  });

  test('heartbeat_Running_PingsByItself', async () => {
    const { conn } = connect({ pingIntervalMs: 150 });
    await within(conn.start(), 20000, 'welcome');
    let pongs = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${pongs} pongs in 10 s`)), 10000);
      conn.on('pong', () => {
        if (++pongs === 3) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    assert.equal(conn.state, 'open');
    conn.stop();
  });

  test('kick_ByImctl_ClosesWith4001AndDoesNotReconnect', async () => {
    const { conn, clientId, urls, states } = connect();
    await within(conn.start(), 20000, 'welcome');
    const closed = nextEvent(conn, 'state', (s) => s === 'closed', 20000);
    await real.imctl('kick', clientId);
    const [, info] = await closed;
    assert.equal(info.code, CloseCodes.Kicked);
    // Absence of a reconnect can only be observed by waiting: well past the largest backoff delay.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(urls.length, 1);
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'closed']);
  });

  test('reconnect_ServerKilledAndRestarted_ReopensWithAFreshUrl', async () => {
    const { conn, clientId, urls, states } = connect();
    await within(conn.start(), 20000, 'welcome');
    const firstConnection = conn.welcome.connectionId;

    const lost = nextEvent(conn, 'state', (s) => s === 'reconnecting', 10000);
    await real.node.killHard();
    await lost;
    await real.node.start();
    await waitForState(conn, 'open', 30000);

    assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'reconnecting', 'open']);
    assert.equal(states[2].code, CloseCodes.Abnormal);
    assert.notEqual(conn.welcome.connectionId, firstConnection);
    assert.ok(urls.length >= 2, `getConnectUrl called ${urls.length} times`);
    assert.equal(new Set(urls).size, urls.length, 'every attempt used a new URL');

    const received = nextEvent(conn, 'message', () => true, 20000);
    await real.imctl('send', '-', clientId, '{"after":"restart"}');
    assert.deepEqual((await received).data, { after: 'restart' });
    conn.stop();
  });

  test('reconnect_ServerDrainsWith1012_ReopensWhenItIsBack', async () => {
    const { conn, states } = connect();
    await within(conn.start(), 20000, 'welcome');
    const lost = nextEvent(conn, 'state', (s) => s === 'reconnecting', 15000);
    await real.node.stop();
    const [, info] = await lost;
    assert.equal(info.code, CloseCodes.ServiceRestart);
    await real.node.start();
    await waitForState(conn, 'open', 30000);
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'reconnecting', 'open']);
    conn.stop();
  });

  test('heartbeat_ServerFrozen_DetectsTheDeadSocketAndReconnectsWhenItThaws', async () => {
    const { conn, states } = connect({ pingIntervalMs: 200, pongTimeoutMs: 400, connectTimeoutMs: 1500 });
    await within(conn.start(), 20000, 'welcome');
    const lost = nextEvent(conn, 'state', (s) => s === 'reconnecting', 10000);
    real.node.pause();
    try {
      const [, info] = await lost;
      assert.equal(info.code, CloseCodes.HeartbeatTimeout);
      assert.equal(info.reason, 'no pong');
    } finally {
      real.node.resume();
    }
    await waitForState(conn, 'open', 30000);
    assert.deepEqual(states.map((s) => s.state), ['connecting', 'open', 'reconnecting', 'open']);
    conn.stop();
  });
});
