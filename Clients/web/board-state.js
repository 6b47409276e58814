// The board as the page holds it, and how pushed events change it. Pure functions (no DOM, no fetch), so the
// rules can be tested with `node --test Clients/web/test/`.
//
// Events carry the retro's version after the change. The board applies an event only when its version is exactly
// one more than the board's; an older one is a duplicate (ignored) and a newer one means events were missed, so the
// caller refetches the whole board. Presence events carry version null: they only set a flag, so always apply.

const LISTS = ['previous', 'current', 'next'];

/** Which list a topic belongs in. */
export function listFor(status) {
  if (status === 'done') return 'previous';
  if (status === 'current') return 'current';
  return 'next';
}

const time = (iso) => (iso ? Date.parse(iso) : 0);

/** previous: by doneAt (oldest first); next: by votes (most first), then age (oldest first). */
export function compareTopics(list) {
  if (list === 'previous') return (a, b) => time(a.doneAt) - time(b.doneAt) || a.order - b.order;
  if (list === 'next') return (a, b) => b.votes - a.votes || time(a.createdAt) - time(b.createdAt) || a.order - b.order;
  return (a, b) => time(a.startedAt) - time(b.startedAt);
}

/** Returns a board with `topic` in the list its status says (and in no other), lists sorted. */
export function upsertTopic(board, topic) {
  const id = String(topic.id);
  const out = { ...board };
  for (const list of LISTS) out[list] = (board[list] ?? []).filter((t) => String(t.id) !== id);
  const target = listFor(topic.status);
  out[target] = [...out[target], topic].sort(compareTopics(target));
  return out;
}

/** Finds a topic anywhere on the board. */
export function findTopic(board, topicId) {
  const id = String(topicId);
  for (const list of LISTS) {
    const t = (board?.[list] ?? []).find((x) => String(x.id) === id);
    if (t) return t;
  }
  return null;
}

function upsertParticipant(board, participant) {
  const id = String(participant.id);
  const exists = board.participants.some((p) => String(p.id) === id);
  const participants = exists
    ? board.participants.map((p) => (String(p.id) === id ? { ...p, ...participant } : p))
    : [...board.participants, participant];
  return { ...board, participants };
}

/** Records (idempotently) that I voted or took a vote back on a topic. */
export function withMyVote(board, topicId, voted, votesLeft) {
  if (!board?.me) return board;
  const id = String(topicId);
  const others = board.me.votedTopicIds.map(String).filter((x) => x !== id);
  const votedTopicIds = voted ? [...others, id] : others;
  const left = votesLeft ?? Math.max(0, board.votesPerParticipant - votedTopicIds.length);
  return { ...board, me: { ...board.me, votedTopicIds, votesLeft: left } };
}

/**
 * Applies a pushed event (the `data` of a message envelope).
 * @returns {{ board: object, refetch: boolean, applied: boolean }}
 */
export function applyEvent(board, event) {
  const result = (b, applied, refetch = false) => ({ board: b, applied, refetch });
  if (!event || typeof event !== 'object' || typeof event.type !== 'string') return result(board, false);
  if (!board) return result(board, false, true);
  if (event.retroId !== undefined && String(event.retroId) !== String(board.id)) return result(board, false);

  if (event.version === null || event.version === undefined) {
    if ((event.type === 'participant.online' || event.type === 'participant.offline') && event.participant) {
      const online = event.type === 'participant.online';
      return result(upsertParticipant(board, { ...event.participant, online }), true);
    }
    return result(board, false);
  }

  if (event.version <= board.version) return result(board, false);
  if (event.version !== board.version + 1) return result(board, false, true);

  let next = board;
  let understood = true;
  switch (event.type) {
    case 'topic.created':
    case 'topic.updated':
    case 'topic.started':
    case 'topic.done':
    case 'topic.reopened':
    case 'vote.changed':
      if (!event.topic) {
        understood = false;
        break;
      }
      if (event.type === 'vote.changed' && board.me && event.actor && String(event.actor.id) === String(board.me.participantId)) {
        // My own vote, maybe from another tab: the count's direction says whether it was added or taken back.
        const before = findTopic(board, event.topic.id);
        if (before && before.votes !== event.topic.votes) next = withMyVote(next, event.topic.id, event.topic.votes > before.votes);
      }
      next = upsertTopic(next, event.topic);
      break;
    case 'participant.joined':
      if (event.participant) next = upsertParticipant(next, event.participant);
      break;
    default:
      // A change this page does not know how to apply: only a refetch shows it correctly.
      understood = false;
  }
  next = { ...next, version: event.version };
  const consistent = next.current.length <= 1;
  return result(next, true, !understood || !consistent);
}

/** Merges activity items (newest first, deduplicated by id). */
export function mergeActivity(items, more) {
  const byId = new Map();
  for (const item of [...items, ...more]) byId.set(String(item.id), item);
  return [...byId.values()].sort(compareActivity);
}

function compareActivity(a, b) {
  const na = Number(a.id);
  const nb = Number(b.id);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return nb - na;
  return time(b.at) - time(a.at) || String(b.id).localeCompare(String(a.id));
}

/** Turns a pasted retro link, "#/r/id" or a bare id into the retro id (or null). */
export function parseRetroRef(text) {
  const s = String(text ?? '').trim();
  if (s === '') return null;
  const m = s.match(/#\/r\/([A-Za-z0-9_-]+)/) ?? s.match(/^([A-Za-z0-9_-]+)$/);
  return m ? m[1] : null;
}
