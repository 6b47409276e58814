// DOM builders for the board's parts. They take plain data and callbacks and return elements; app.js decides when.

import { h } from './dom.js';

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/**
 * A topic card. `ctx`: { canAct, voted, votesLeft, editing: {title, description}|null, on: {vote, unvote, start,
 * done, reopen, edit, save, cancel} } — each handler gets (topic, button or form).
 */
export function topicCard(topic, ctx) {
  const card = h('article', {
    class: `topic topic--${topic.status}`,
    'data-testid': 'topic-card',
    'data-topic-id': String(topic.id),
    'data-status': topic.status,
    'aria-label': topic.title,
  });
  if (ctx.editing) {
    card.append(editForm(topic, ctx));
    return card;
  }
  const votes = Number(topic.votes) || 0;
  card.append(...[
    h('div', { class: 'topic__head' },
      h('h3', { class: 'topic__title', 'data-testid': 'topic-title' }, topic.title),
      h('span', { class: `votes${ctx.voted ? ' votes--mine' : ''}`, title: ctx.voted ? 'You voted for this' : null },
        h('span', { 'data-testid': 'topic-votes', 'aria-label': plural(votes, 'vote', 'votes') }, String(votes)),
        h('span', { class: 'votes__label', 'aria-hidden': 'true' }, votes === 1 ? ' vote' : ' votes'))),
    topic.description ? h('p', { class: 'topic__desc' }, topic.description) : null,
    h('p', { class: 'topic__meta' }, `by ${topic.createdBy?.name ?? 'someone'}`),
    ctx.canAct ? actions(topic, ctx) : null,
  ].filter(Boolean));
  return card;
}

function actions(topic, ctx) {
  const button = (testid, label, handler, extra = {}) => {
    const b = h('button', { type: 'button', class: extra.primary ? 'btn btn--small btn--primary' : 'btn btn--small', 'data-testid': testid, ...extra.attrs }, label);
    b.addEventListener('click', () => handler(topic, b));
    return b;
  };
  const list = [];
  if (topic.status !== 'done') {
    if (ctx.voted) {
      list.push(button('unvote-button', 'Unvote', ctx.on.unvote, { attrs: { 'aria-label': `Take back your vote for ${topic.title}` } }));
    } else {
      list.push(button('vote-button', 'Vote', ctx.on.vote, {
        attrs: {
          'aria-label': `Vote for ${topic.title}`,
          disabled: ctx.votesLeft <= 0,
          title: ctx.votesLeft <= 0 ? 'No votes left: take one back first' : null,
        },
      }));
    }
  }
  if (topic.status === 'upcoming') list.push(button('start-button', 'Start', ctx.on.start, { primary: true, attrs: { 'aria-label': `Start ${topic.title}` } }));
  if (topic.status === 'current') list.push(button('done-button', 'Done', ctx.on.done, { primary: true, attrs: { 'aria-label': `Mark ${topic.title} done` } }));
  if (topic.status === 'done') list.push(button('reopen-button', 'Reopen', ctx.on.reopen, { attrs: { 'aria-label': `Reopen ${topic.title}` } }));
  list.push(button('edit-button', 'Edit', ctx.on.edit, { attrs: { 'aria-label': `Edit ${topic.title}` } }));
  return h('div', { class: 'topic__actions' }, list);
}

function editForm(topic, ctx) {
  const id = `edit-${topic.id}`;
  const title = h('input', {
    id: `${id}-title`, name: 'title', required: true, maxlength: 200, 'data-testid': 'edit-title', value: ctx.editing.title,
  });
  const description = h('textarea', {
    id: `${id}-description`, name: 'description', rows: 3, maxlength: 2000, 'data-testid': 'edit-description',
  });
  description.value = ctx.editing.description;
  // Keep the draft in the caller's state so a re-render elsewhere does not lose typing.
  title.addEventListener('input', () => { ctx.editing.title = title.value; });
  description.addEventListener('input', () => { ctx.editing.description = description.value; });
  const form = h('form', { class: 'topic__edit', 'aria-label': `Edit ${topic.title}` },
    h('label', { for: title.id }, 'Title'), title,
    h('label', { for: description.id }, 'Description'), description,
    h('div', { class: 'topic__actions' },
      h('button', { type: 'submit', class: 'btn btn--small btn--primary', 'data-testid': 'edit-save' }, 'Save'),
      h('button', { type: 'button', class: 'btn btn--small', 'data-testid': 'edit-cancel', onclick: () => ctx.on.cancel(topic) }, 'Cancel')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    ctx.on.save(topic, form, { title: title.value, description: description.value });
  });
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') ctx.on.cancel(topic);
  });
  queueMicrotask(() => title.focus());
  return form;
}

/** An empty column's hint. */
export function emptyHint(list) {
  const text = {
    previous: 'Topics marked done land here.',
    current: 'Nothing under discussion. Start a topic from Next.',
    next: 'No topics yet. Add one above.',
  }[list];
  return h('p', { class: 'empty' }, text);
}

export function participantItem(p, { online, isMe }) {
  const initials = (p.name || '?').trim().split(/\s+/).slice(0, 2).map((w) => w[0]).join('').toUpperCase();
  return h('li', {
    class: `person${online ? ' person--online' : ''}`,
    'data-testid': online ? 'online-participant' : 'offline-participant',
    'data-participant-id': String(p.id),
  },
  h('span', { class: 'avatar', 'aria-hidden': 'true' }, initials),
  h('span', { class: 'person__name' }, p.name, isMe ? h('span', { class: 'you' }, ' (you)') : null));
}

export function activityItem(item) {
  const at = item.at ? new Date(item.at) : null;
  return h('li', { class: 'activity__item', 'data-testid': 'activity-item', 'data-activity-id': String(item.id) },
    h('span', { class: 'activity__text' }, item.text),
    at ? h('time', { datetime: at.toISOString(), title: at.toLocaleString() }, formatTime(at)) : null);
}

function formatTime(d) {
  const now = new Date();
  const sameDay = d.toDateString() === now.toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleDateString([], { month: 'short', day: 'numeric' }) + ' ' + d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** "Ann is typing…", "Ann and Bob are typing…", "3 people are typing…", or "" when nobody is. */
export function typingText(names) {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}
