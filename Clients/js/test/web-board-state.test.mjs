// The retro page's board rules (Clients/web/board-state.js, api.js) without a browser; they live here so that
// `node --test Clients/js/test/` runs them and the web folder holds only what the WebApi serves.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createServer } from 'node:http';
import { ApiError, describeProblem, request } from '../../web/api.js';
import { applyEvent, mergeActivity, parseRetroRef, upsertTopic, withMyVote } from '../../web/board-state.js';

const ann = { id: 'pAnn', name: 'Ann' };
const bob = { id: 'pBob', name: 'Bob' };

function topic(id, over = {}) {
  return {
    id, title: `T${id}`, description: '', status: 'upcoming', votes: 0, order: Number(id) || 1, createdBy: ann,
    createdAt: `2026-01-01T10:00:0${Number(id) % 10}Z`, startedAt: null, doneAt: null, ...over,
  };
}

function board(over = {}) {
  return {
    id: 'r1', title: 'Retro', version: 5, votesPerParticipant: 3, previous: [], current: [], next: [],
    participants: [{ id: 'pAnn', name: 'Ann', online: true, joinedAt: '2026-01-01T09:00:00Z' }],
    me: { participantId: 'pAnn', name: 'Ann', votesLeft: 3, votedTopicIds: [] },
    ...over,
  };
}

const event = (type, version, over = {}) => ({ type, retroId: 'r1', version, actor: ann, topic: null, participant: null, activity: null, ...over });

describe('applyEvent', () => {
  test('applyEvent_NextVersionTopicCreated_AddsToNext', () => {
    const r = applyEvent(board(), event('topic.created', 6, { topic: topic('1') }));
    assert.equal(r.applied, true);
    assert.equal(r.refetch, false);
    assert.equal(r.board.version, 6);
    assert.deepEqual(r.board.next.map((t) => t.id), ['1']);
  });

  test('applyEvent_VersionGap_AsksForRefetchAndChangesNothing', () => {
    const b = board();
    const r = applyEvent(b, event('topic.created', 8, { topic: topic('1') }));
    assert.equal(r.refetch, true);
    assert.equal(r.applied, false);
    assert.equal(r.board, b);
  });

  test('applyEvent_OldOrDuplicateVersion_IsIgnored', () => {
    const b = board();
    for (const v of [3, 5]) {
      const r = applyEvent(b, event('topic.created', v, { topic: topic('1') }));
      assert.deepEqual([r.applied, r.refetch, r.board], [false, false, b]);
    }
  });

  test('applyEvent_OtherRetro_IsIgnored', () => {
    const r = applyEvent(board(), { ...event('topic.created', 6, { topic: topic('1') }), retroId: 'other' });
    assert.equal(r.applied, false);
    assert.equal(r.refetch, false);
  });

  test('applyEvent_NoBoardYet_AsksForRefetch', () => {
    assert.equal(applyEvent(null, event('topic.created', 1, { topic: topic('1') })).refetch, true);
  });

  test('applyEvent_DoneThenStarted_MovesTopicsLikeTheServer', () => {
    let b = board({ current: [topic('1', { status: 'current', startedAt: '2026-01-01T11:00:00Z' })], next: [topic('2', { votes: 2 }), topic('3')] });
    b = applyEvent(b, event('topic.done', 6, { topic: topic('1', { status: 'done', doneAt: '2026-01-01T12:00:00Z' }) })).board;
    const r = applyEvent(b, event('topic.started', 7, { topic: topic('2', { status: 'current', votes: 2, startedAt: '2026-01-01T12:00:00Z' }) }));
    assert.equal(r.refetch, false);
    assert.deepEqual(r.board.previous.map((t) => t.id), ['1']);
    assert.deepEqual(r.board.current.map((t) => t.id), ['2']);
    assert.deepEqual(r.board.next.map((t) => t.id), ['3']);
  });

  test('applyEvent_StartWithoutTheOldCurrentsUpdate_AsksForRefetch', () => {
    const b = board({ current: [topic('1', { status: 'current' })], next: [topic('2')] });
    const r = applyEvent(b, event('topic.started', 6, { topic: topic('2', { status: 'current' }) }));
    assert.equal(r.refetch, true, 'two current topics cannot be right');
  });

  test('applyEvent_VoteChanged_ResortsNextByVotesThenAge', () => {
    const b = board({ next: [topic('1'), topic('2'), topic('3')] });
    const r = applyEvent(b, event('vote.changed', 6, { actor: bob, topic: topic('3', { votes: 1 }) }));
    assert.deepEqual(r.board.next.map((t) => t.id), ['3', '1', '2']);
    assert.deepEqual(r.board.me.votedTopicIds, [], 'someone else voted');
  });

  test('applyEvent_MyVoteFromAnotherTab_UpdatesMe', () => {
    let b = board({ next: [topic('1')] });
    b = applyEvent(b, event('vote.changed', 6, { topic: topic('1', { votes: 1 }) })).board;
    assert.deepEqual(b.me.votedTopicIds, ['1']);
    assert.equal(b.me.votesLeft, 2);
    b = applyEvent(b, event('vote.changed', 7, { topic: topic('1', { votes: 0 }) })).board;
    assert.deepEqual(b.me.votedTopicIds, []);
    assert.equal(b.me.votesLeft, 3);
  });

  test('applyEvent_ParticipantJoined_AddsThem', () => {
    const p = { id: 'pBob', name: 'Bob', online: false, joinedAt: '2026-01-01T10:00:00Z' };
    const r = applyEvent(board(), event('participant.joined', 6, { actor: bob, participant: p }));
    assert.deepEqual(r.board.participants.map((x) => x.id), ['pAnn', 'pBob']);
  });

  test('applyEvent_PresenceWithNullVersion_AppliesWithoutVersionCheck', () => {
    let b = board();
    b = applyEvent(b, event('participant.online', null, { participant: { id: 'pBob', name: 'Bob', online: true } })).board;
    assert.equal(b.version, 5);
    assert.equal(b.participants.find((p) => p.id === 'pBob').online, true);
    b = applyEvent(b, event('participant.offline', null, { participant: { id: 'pAnn', name: 'Ann', online: false } })).board;
    assert.equal(b.participants.find((p) => p.id === 'pAnn').online, false);
  });

  test('applyEvent_UnknownVersionedType_AdvancesAndAsksForRefetch', () => {
    const r = applyEvent(board(), event('retro.renamed', 6));
    assert.equal(r.board.version, 6);
    assert.equal(r.refetch, true);
  });
});

describe('helpers', () => {
  test('upsertTopic_Reopened_MovesFromPreviousToNext', () => {
    const b = board({ previous: [topic('1', { status: 'done', doneAt: '2026-01-01T12:00:00Z' })] });
    const r = upsertTopic(b, topic('1'));
    assert.deepEqual([r.previous.length, r.next.length], [0, 1]);
  });

  test('upsertTopic_Previous_OrderedByDoneAt', () => {
    let b = board();
    b = upsertTopic(b, topic('1', { status: 'done', doneAt: '2026-01-01T12:05:00Z' }));
    b = upsertTopic(b, topic('2', { status: 'done', doneAt: '2026-01-01T12:01:00Z' }));
    assert.deepEqual(b.previous.map((t) => t.id), ['2', '1']);
  });

  test('withMyVote_IsIdempotent', () => {
    let b = withMyVote(board(), '7', true, 2);
    b = withMyVote(b, 7, true, 2);
    assert.deepEqual(b.me.votedTopicIds, ['7']);
    b = withMyVote(b, '7', false);
    assert.deepEqual([b.me.votedTopicIds, b.me.votesLeft], [[], 3]);
  });

  test('mergeActivity_DeduplicatesAndSortsNewestFirst', () => {
    const merged = mergeActivity([{ id: 5, text: 'e' }, { id: 3, text: 'c' }], [{ id: 4, text: 'd' }, { id: 5, text: 'e' }, { id: 10, text: 'j' }]);
    assert.deepEqual(merged.map((a) => a.id), [10, 5, 4, 3]);
  });

  test('parseRetroRef_LinksHashesAndIds', () => {
    assert.equal(parseRetroRef('http://127.0.0.1:5080/#/r/Ab3dE9xYz0'), 'Ab3dE9xYz0');
    assert.equal(parseRetroRef('  #/r/abc '), 'abc');
    assert.equal(parseRetroRef('abc_12-x'), 'abc_12-x');
    assert.equal(parseRetroRef('not a link'), null);
    assert.equal(parseRetroRef(''), null);
  });

  test('describeProblem_FieldErrors_NameTheFields', () => {
    const text = describeProblem(400, { title: 'One or more validation errors occurred.', errors: { title: ['The title is required.'] } });
    assert.equal(text, 'The title is required.');
    assert.equal(describeProblem(400, { errors: { name: ['Too long.'] } }), 'Name: Too long.');
    assert.equal(describeProblem(409, { title: 'No votes left', detail: 'You have used all your votes.' }), 'You have used all your votes.');
    assert.match(describeProblem(502, null), /server/);
  });
});

// The page's requests against real HTTP servers on loopback: one that answers, and two that hang (before the
// headers, and after them in the middle of the body). A hung request must end with a timeout, not hold the board.
describe('web api request', () => {
  /** Starts a server with `handler` on 127.0.0.1 and returns its base URL and a close that drops hung sockets. */
  async function serve(handler) {
    const server = createServer(handler);
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${server.address().port}`;
    return { base, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }) };
  }

  test('request_ServerAnswers_ResolvesWithItsJsonAndSendsTheToken', async () => {
    let auth = null;
    const { base, close } = await serve((req, res) => {
      auth = req.headers.authorization;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ok":true}');
    });
    try {
      assert.deepEqual(await request('GET', `${base}/api/x`, { token: 't1', timeoutMs: 5000 }), { ok: true });
      assert.equal(auth, 'Bearer t1');
    } finally {
      await close();
    }
  });

  for (const [name, handler] of [
    ['NoAnswer', () => {}],
    ['BodyStalls', (req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).write('{"ok":')],
  ]) {
    test(`request_${name}_EndsWithATimeoutError`, { timeout: 10000 }, async () => {
      const { base, close } = await serve(handler);
      try {
        const started = Date.now();
        await assert.rejects(request('GET', `${base}/api/x`, { timeoutMs: 300 }), (err) => {
          assert.ok(err instanceof ApiError);
          assert.equal(err.code, 'timeout');
          assert.match(err.message, /did not answer in time/);
          return true;
        });
        assert.ok(Date.now() - started < 5000, 'gave up close to its timeout');
      } finally {
        await close();
      }
    });
  }

  test('request_NothingListens_SaysTheServerCannotBeReached', async () => {
    const { base, close } = await serve(() => {});
    await close();
    await assert.rejects(request('GET', `${base}/api/x`, { timeoutMs: 5000 }), (err) => err instanceof ApiError && err.code === null && /Cannot reach/.test(err.message));
  });
});
