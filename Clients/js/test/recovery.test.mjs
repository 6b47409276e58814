// Position tracking and recovery of RetroImConnection against a REAL ImServer node on a real redis-server: the SDK
// remembers the last position per stream, presents it when it reconnects, and the node replays what was missed.
// Programs: RETROIM_IMSERVER_DLL, RETROIM_IMCTL_DLL (fallback: the in-tree Debug builds), /usr/bin/redis-server.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';
import { nextEvent, waitForState, within } from './support/events.mjs';
import { missingPrograms } from './support/processes.mjs';
import { realNode } from './support/real-node.mjs';

const skip = missingPrograms();

describe('RetroImConnection recovery against a real ImServer', { skip: skip ?? false, timeout: 120000 }, () => {
  const real = realNode({ prefix: 'rec' });
  const { connect, send } = real;

  test('positions_MessagesReceived_TracksLastOffsetPerStream', async () => {
    const { conn, clientId, messages } = connect();
    await within(conn.start(), 20000, 'welcome');
    const second = nextEvent(conn, 'message', (m) => m.data.n === 2, 20000);
    await send(clientId, 1);
    await send(clientId, 2);
    await second;

    assert.deepEqual(messages.map((m) => m.pos.offset), [1, 2]);
    assert.deepEqual(conn.positions, [{ stream: `c:${clientId}`, epoch: messages[0].pos.epoch, offset: 2 }]);
    conn.stop();
  });

  test('reconnect_NodeKilledWhileMessagesSent_ReplaysMissedInOrderThenLive', async () => {
    const { conn, clientId, urls, messages } = connect();
    await within(conn.start(), 20000, 'welcome');
    const first = nextEvent(conn, 'message', (m) => m.data.n === 1, 20000);
    await send(clientId, 1);
    await first;

    const lost = nextEvent(conn, 'state', (s) => s === 'reconnecting', 10000);
    await real.node.killHard();
    await lost;
    for (const n of [2, 3, 4]) await send(clientId, n);
    const recovered = nextEvent(conn, 'recovered', () => true, 40000);
    await real.node.start();
    const envelope = await recovered;
    await waitForState(conn, 'open', 10000);
    const live = nextEvent(conn, 'message', (m) => m.data.n === 5, 20000);
    await send(clientId, 5);
    await live;

    assert.deepEqual(messages.map((m) => m.data.n), [1, 2, 3, 4, 5]);
    assert.deepEqual(messages.map((m) => m.pos.offset), [1, 2, 3, 4, 5]);
    assert.deepEqual(envelope.streams.map((s) => [s.stream, s.replayed, s.offset]), [[`c:${clientId}`, 3, 4]]);
    assert.ok(urls.length >= 2, 'a fresh connect URL after the kill');
    conn.stop();
  });

  test('reconnect_RedisLostTheStream_EmitsRecoverFailedAndResumesFromTheNewEpoch', async () => {
    const { conn, clientId, messages } = connect();
    await within(conn.start(), 20000, 'welcome');
    const first = nextEvent(conn, 'message', (m) => m.data.n === 1, 20000);
    await send(clientId, 1);
    await first;
    const oldEpoch = conn.positions[0].epoch;

    const lost = nextEvent(conn, 'state', (s) => s === 'reconnecting', 10000);
    await real.node.killHard();
    await lost;
    await redisCli(real.redis.port, 'DEL', `im:seq:c:${clientId}`, `im:hist:c:${clientId}`);
    await send(clientId, 2);
    // Both listeners before the node comes back: the SDK emits 'recovered' right after
    // 'recover_failed', in the same turn, so a listener added after the first resolves is too late.
    const failed = nextEvent(conn, 'recover_failed', () => true, 40000);
    const recovered = nextEvent(conn, 'recovered', () => true, 40000);
    await real.node.start();
    const envelope = await failed;
    await recovered;
    const live = nextEvent(conn, 'message', (m) => m.data.n === 3, 20000);
    await send(clientId, 3);
    await live;

    assert.equal(envelope.reason, 'epoch_changed');
    assert.equal(envelope.stream, `c:${clientId}`);
    assert.notEqual(envelope.epoch, oldEpoch);
    assert.deepEqual(messages.map((m) => m.data.n), [1, 3], 'the lost message is not replayed; the app refetches');
    assert.deepEqual(conn.positions, [{ stream: `c:${clientId}`, epoch: envelope.epoch, offset: 2 }]);
    conn.stop();
  });
});

function redisCli(port, ...args) {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), ...args], { timeout: 10000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}
