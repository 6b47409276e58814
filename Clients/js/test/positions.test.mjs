// RetroImConnection's position rules, against a scripted WebSocket (the test writes the server's frames): positions
// from welcome.streams and joined are adopted only for streams not tracked yet (so a reconnect's replay is never
// skipped), and a 'recovered' frame never moves a position backwards (as after a drain move whose old socket
// delivered past the new one's replay). The real-node side of recovery is in recovery.test.mjs.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RetroImConnection } from '../retroim.js';
import { within } from './support/events.mjs';
import { ScriptedWebSocket } from './support/scripted-websocket.mjs';

const fastBackoff = { initialMs: 10, maxMs: 20, factor: 2, jitter: 0 };
const welcome = (streams = []) => ({ type: 'welcome', clientId: 'x', connectionId: 'k1', node: 'scripted', streams });
const pos = (stream, epoch, offset) => ({ stream, epoch, offset });
const message = (stream, epoch, offset) => ({
  type: 'message', id: `${stream}/${epoch}/${offset}`, from: null, chan: stream.startsWith('ch:') ? stream.slice(3) : null,
  ts: 0, data: { offset }, pos: pos(stream, epoch, offset),
});
const recovered = (...streams) => ({ type: 'recovered', streams: streams.map((s) => ({ ...s, replayed: 0 })) });
const byStream = (positions) => Object.fromEntries(positions.map((p) => [p.stream, `${p.epoch}:${p.offset}`]));

function connect() {
  const conn = new RetroImConnection({ getConnectUrl: async () => 'ws://scripted.test/ws?token=t', WebSocket: ScriptedWebSocket, backoff: fastBackoff });
  const messages = [];
  conn.on('message', (m) => messages.push(`${m.pos.stream}/${m.pos.epoch}:${m.pos.offset}`));
  return { conn, messages };
}

describe('RetroImConnection positions (scripted server)', () => {
  test('welcome_StreamsNotTracked_AdoptedAndPresentedOnReconnect', async () => {
    const { conn } = connect();
    const starting = conn.start();
    const first = await ScriptedWebSocket.next();
    first.open(welcome([pos('c:x', 'e1', 0), pos('ch:quiet', 'e1', 12)]));
    await within(starting, 5000, 'welcome');

    assert.deepEqual(byStream(conn.positions), { 'c:x': 'e1:0', 'ch:quiet': 'e1:12' });
    first.drop();
    const second = await ScriptedWebSocket.next();
    assert.deepEqual(second.presented, [pos('c:x', 'e1', 0), pos('ch:quiet', 'e1', 12)]);
    conn.stop();
  });

  test('welcome_StreamsAlreadyTracked_KeepTheTrackedPositionSoTheReplayIsDelivered', async () => {
    const { conn, messages } = connect();
    const starting = conn.start();
    const first = await ScriptedWebSocket.next();
    first.open(welcome([pos('c:x', 'e1', 2)]), message('c:x', 'e1', 3));
    await within(starting, 5000, 'welcome');
    first.drop();

    const second = await ScriptedWebSocket.next();
    assert.deepEqual(second.presented, [pos('c:x', 'e1', 3)]);
    // The node announces the stream's current position (5) before replaying 4 and 5: the client must keep 3.
    second.open(welcome([pos('c:x', 'e1', 5), pos('ch:new', 'e1', 1)]), message('c:x', 'e1', 4), message('c:x', 'e1', 5),
      recovered(pos('c:x', 'e1', 5)));
    await new Promise((r) => setImmediate(r));

    assert.deepEqual(messages, ['c:x/e1:3', 'c:x/e1:4', 'c:x/e1:5']);
    assert.deepEqual(byStream(conn.positions), { 'c:x': 'e1:5', 'ch:new': 'e1:1' });
    conn.stop();
  });

  test('joined_OnlyStreamsNotTrackedYet_AreAdopted', async () => {
    const { conn, messages } = connect();
    const starting = conn.start();
    const ws = await ScriptedWebSocket.next();
    ws.open(welcome([pos('ch:room', 'e1', 7)]));
    await within(starting, 5000, 'welcome');

    ws.push(
      { type: 'joined', chan: 'room', pos: pos('ch:room', 'e1', 4) }, // behind what is tracked: ignored
      { type: 'joined', chan: 'room', pos: pos('ch:room', 'e9', 9) }, // even with another epoch: tracked wins
      { type: 'joined', chan: 'new', pos: pos('ch:new', 'e1', 6) },
      message('ch:room', 'e1', 5), // a duplicate of what 7 covers: dropped
      message('ch:room', 'e1', 8),
      message('ch:new', 'e1', 6), // at the joined position: dropped
      message('ch:new', 'e1', 7),
    );

    assert.deepEqual(messages, ['ch:room/e1:8', 'ch:new/e1:7']);
    assert.deepEqual(byStream(conn.positions), { 'ch:room': 'e1:8', 'ch:new': 'e1:7' });
    conn.stop();
  });

  test('recovered_BehindTheTrackedPosition_NeverMovesItBackwards', async () => {
    const { conn, messages } = connect();
    const starting = conn.start();
    const ws = await ScriptedWebSocket.next();
    ws.open(welcome());
    await within(starting, 5000, 'welcome');

    ws.push(
      message('c:x', 'e1', 5),
      recovered(pos('c:x', 'e1', 3), pos('ch:room', 'e1', 7)), // c:x behind: kept at 5; ch:room new: adopted
      message('c:x', 'e1', 4), // dropped (5 kept)
    );
    assert.deepEqual(byStream(conn.positions), { 'c:x': 'e1:5', 'ch:room': 'e1:7' });
    ws.push(
      recovered(pos('c:x', 'e1', 9)), // ahead: moves
      message('c:x', 'e1', 8), // dropped
      message('c:x', 'e1', 10),
      recovered(pos('c:x', 'e2', 1)), // a new epoch: taken as it is
      message('c:x', 'e2', 2),
    );

    assert.deepEqual(messages, ['c:x/e1:5', 'c:x/e1:10', 'c:x/e2:2']);
    assert.deepEqual(byStream(conn.positions), { 'c:x': 'e2:2', 'ch:room': 'e1:7' });
    conn.stop();
  });
});
