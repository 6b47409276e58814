import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CloseCodes, ConnectionState as S, nextState, shouldReconnect } from '../connection-state.js';

describe('nextState', () => {
  const table = [
    [S.Closed, 'start', S.Connecting],
    [S.Connecting, 'welcome', S.Open],
    [S.Connecting, 'lost', S.Connecting],
    [S.Open, 'lost', S.Reconnecting],
    [S.Reconnecting, 'lost', S.Reconnecting],
    [S.Reconnecting, 'welcome', S.Open],
    [S.Open, 'start', S.Open],
    [S.Closed, 'welcome', S.Closed],
    [S.Closed, 'lost', S.Closed],
    [S.Open, 'welcome', S.Open],
  ];
  for (const [from, event, to] of table) {
    test(`${from} --${event}--> ${to}`, () => assert.equal(nextState(from, event), to));
  }

  for (const event of ['stop', 'kicked', 'fatal']) {
    test(`${event} closes from every state`, () => {
      for (const from of Object.values(S)) assert.equal(nextState(from, event), S.Closed);
    });
  }

  test('an unknown event keeps the state', () => assert.equal(nextState(S.Open, 'nonsense'), S.Open));
});

describe('shouldReconnect', () => {
  test('never after a kick', () => assert.equal(shouldReconnect(CloseCodes.Kicked), false));

  test('after restarts, overload, network loss, idle and protocol closes', () => {
    for (const code of [1000, 1001, 1006, 1008, 1009, 1011, 1012, 1013, 4000, 4002, undefined]) {
      assert.equal(shouldReconnect(code), true, String(code));
    }
  });
});
