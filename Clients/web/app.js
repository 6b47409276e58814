// The retro page: a home screen (create or open a retro) and the live board at #/r/{retroId}.
// The board is fetched over HTTP and then kept current by events pushed through the relay (see board-state.js).

import { RetroImConnection } from '/sdk/retroim.js';
import { api } from './api.js';
import { applyEvent, mergeActivity, parseRetroRef, withMyVote } from './board-state.js';
import { h, syncChildren } from './dom.js';
import { activityItem, emptyHint, participantItem, topicCard, typingText } from './render.js';

const app = document.getElementById('app');
const indicator = document.querySelector('[data-testid="connection-state"]');
const toasts = document.getElementById('toasts');

/** What E2E tests reach for: the live connection (to drop its socket) and the board the page shows. */
const testHook = { conn: null, board: null, retroId: null, refetch: async () => {} };
window.__retro = testHook;

// ---- credentials per retro, kept on this device -------------------------------------------------------------

const store = {
  key: (id) => `retroim:retro:${id}`,
  get(id) {
    try {
      const v = JSON.parse(localStorage.getItem(this.key(id)) ?? 'null');
      return v && v.token && v.participantId ? v : null;
    } catch {
      return null;
    }
  },
  set(id, value) {
    try { localStorage.setItem(this.key(id), JSON.stringify(value)); } catch { /* private mode: this tab only */ }
  },
  clear(id) {
    try { localStorage.removeItem(this.key(id)); } catch { /* ignore */ }
  },
  recent() {
    const out = [];
    try {
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i);
        if (!k?.startsWith('retroim:retro:')) continue;
        const v = JSON.parse(localStorage.getItem(k) ?? 'null');
        if (v?.token) out.push({ id: k.slice('retroim:retro:'.length), title: v.title ?? '', name: v.name ?? '', at: v.joinedAt ?? 0 });
      }
    } catch { /* ignore */ }
    return out.sort((a, b) => b.at - a.at).slice(0, 8);
  },
};

// ---- shared bits ------------------------------------------------------------------------------------------------

const TYPING_EVERY_MS = 2000; // how often the page says it is typing (the server's events are throttled by this)
const TYPING_SHOWN_MS = 4000; // how long one typing event keeps "Ann is typing…" up

const INDICATOR_TEXT = { connecting: 'connecting', open: 'live', reconnecting: 'reconnecting', closed: 'offline' };

function showConnection(state, detail) {
  const text = INDICATOR_TEXT[state] ?? 'offline';
  indicator.textContent = text;
  indicator.dataset.state = text;
  indicator.title = detail ?? {
    connecting: 'Connecting to live updates…',
    live: 'Live: changes by others appear instantly',
    reconnecting: 'Connection lost, reconnecting…',
    offline: 'Not receiving live updates',
  }[text];
}

export function toast(message, kind = 'error') {
  const el = h('div', { class: `toast toast--${kind}` },
    h('span', {}, message),
    h('button', { type: 'button', class: 'toast__close', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
  toasts.append(el);
  setTimeout(() => el.remove(), kind === 'error' ? 8000 : 4000);
}

function setTitle(text) {
  document.title = text ? `${text} · RetroIm` : 'RetroIm · live retrospectives';
}

// ---- routing ----------------------------------------------------------------------------------------------------

let view = null;

function route() {
  view?.dispose();
  const m = location.hash.match(/^#\/r\/([A-Za-z0-9_-]+)/);
  view = m ? new RetroView(m[1]) : new HomeView();
  view.mount();
}

// Started at the end of the module, once the view classes below exist.
window.addEventListener('hashchange', route);

// ---- home -------------------------------------------------------------------------------------------------------

class HomeView {
  mount() {
    setTitle('');
    showConnection('closed', 'Open a retro to go live');
    const title = h('input', { id: 'create-title', name: 'title', required: true, maxlength: 200, autocomplete: 'off', placeholder: 'Sprint 42 retro', 'data-testid': 'create-title' });
    const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'create-submit' }, 'Create retro');
    const create = h('form', { class: 'stack' },
      h('label', { for: title.id }, 'Title'), title, submit);
    create.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const board = await api.createRetro(title.value.trim());
        location.hash = `#/r/${board.id}`;
      } catch (err) {
        toast(err.message);
        submit.disabled = false;
      }
    });

    const ref = h('input', { id: 'open-ref', name: 'ref', required: true, autocomplete: 'off', placeholder: 'https://…/#/r/abc123 or abc123' });
    const open = h('form', { class: 'stack' },
      h('label', { for: ref.id }, 'Retro link or id'), ref,
      h('button', { type: 'submit', class: 'btn' }, 'Open'));
    open.addEventListener('submit', (e) => {
      e.preventDefault();
      const id = parseRetroRef(ref.value);
      if (id) location.hash = `#/r/${id}`;
      else toast('That does not look like a retro link.');
    });

    const recent = store.recent();
    app.replaceChildren(h('section', { class: 'home' },
      h('div', { class: 'home__intro' },
        h('h1', {}, 'Run your retrospective live'),
        h('p', {}, 'Create a board, share the link, and everyone sees topics, votes and progress the moment they change.')),
      h('div', { class: 'home__cards' },
        h('section', { class: 'card', 'aria-labelledby': 'create-heading' }, h('h2', { id: 'create-heading' }, 'Start a retro'), create),
        h('section', { class: 'card', 'aria-labelledby': 'open-heading' }, h('h2', { id: 'open-heading' }, 'Open a retro'), open,
          recent.length === 0 ? null : h('div', { class: 'recent' },
            h('h3', {}, 'Your retros on this device'),
            h('ul', {}, recent.map((r) => h('li', {}, h('a', { href: `#/r/${r.id}` }, r.title || r.id), r.name ? ` as ${r.name}` : '')))))),
    ));
    title.focus();
  }

  dispose() {}
}

// ---- a retro ----------------------------------------------------------------------------------------------------

class RetroView {
  constructor(retroId) {
    this.id = retroId;
    this.creds = store.get(retroId);
    this.board = null;
    this.activity = { items: [], next: null, loadedOlder: false };
    this.conn = null;
    this.disposed = false;
    this.fetching = null;
    this.fetchAgain = false;
    this.queue = [];
    this.refetchFailures = 0; // refetches that failed in a row; the next one is retried after a backoff
    this.refetchTimer = null;
    this.editing = new Map(); // topicId → draft {title, description}
    this.cards = new Map(); // topicId → {key, el}
    this.activityEls = new Map();
    this.offs = [];
    this.typers = new Map(); // participantId → {name, until}: who is adding a topic right now
    this.typingTimer = null;
  }

  get token() {
    return this.creds?.token ?? null;
  }

  mount() {
    testHook.retroId = this.id;
    testHook.conn = null;
    testHook.board = null;
    testHook.refetch = () => this.refetch();
    showConnection('closed', this.creds ? 'Loading…' : 'Join to go live');
    app.replaceChildren(h('p', { class: 'loading' }, 'Loading the board…'));
    this.load();
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.typingTimer);
    clearTimeout(this.refetchTimer);
    for (const off of this.offs) off();
    this.conn?.stop();
    testHook.conn = null;
  }

  async load() {
    try {
      const [board, page] = await Promise.all([api.getBoard(this.id, this.token), api.activity(this.id)]);
      if (this.disposed) return;
      if (this.creds && !board.me) {
        // The token is no longer valid here (say, the server's data was reset): join again.
        store.clear(this.id);
        this.creds = null;
        toast('Your seat in this retro was not found. Please join again.', 'info');
      }
      this.setBoard(board);
      this.activity = { items: mergeActivity([], page.items ?? []), next: page.next ?? null, loadedOlder: false };
      this.buildLayout();
      this.render();
      this.renderActivity();
      if (this.creds) this.connect();
    } catch (err) {
      if (this.disposed) return;
      app.replaceChildren(h('section', { class: 'card notfound' },
        h('h1', {}, err.status === 404 ? 'Retro not found' : 'Could not load the retro'),
        h('p', {}, err.message),
        h('p', {}, h('a', { href: '#/', class: 'btn' }, 'Back to start'))));
    }
  }

  setBoard(board) {
    this.board = board;
    testHook.board = board;
    if (this.creds && board.title && this.creds.title !== board.title) {
      this.creds = { ...this.creds, title: board.title };
      store.set(this.id, this.creds);
    }
  }

  // -- live updates --

  connect() {
    const conn = new RetroImConnection({
      getConnectUrl: async () => {
        try {
          return (await api.connectUrl(this.id, this.token)).connectUrl;
        } catch (err) {
          // A token or retro that is gone will not come back by retrying.
          if (err.status === 401 || err.status === 404) err.retry = false;
          throw err;
        }
      },
    });
    this.conn = conn;
    testHook.conn = conn;
    this.offs.push(
      conn.on('state', (state, info) => {
        if (this.disposed) return;
        showConnection(state);
        if (this.reconnectButton) this.reconnectButton.hidden = state !== 'closed' || !this.creds;
        if (state === 'open') this.refetch(); // whatever was missed while away
        if (state === 'closed' && info?.error?.status === 401) {
          store.clear(this.id);
          toast('Your seat in this retro is no longer valid. Please join again.');
          this.creds = null;
          this.render();
        }
      }),
      conn.on('message', (envelope) => {
        if (!this.disposed && envelope.chan === `retro:${this.id}`) this.onEvent(envelope.data);
      }),
      // The node could not replay what we missed (retention exceeded, or the server lost the stream): the board may
      // lack changes that no event will bring, so fetch it (the refetch on "open" stays as the safety net).
      conn.on('recover_failed', () => {
        if (!this.disposed) this.refetch();
      }),
    );
    showConnection('connecting');
    conn.start().catch(() => {});
  }

  onEvent(event) {
    if (!event || typeof event !== 'object') return;
    if (event.type === 'participant.typing') {
      this.showTyping(event.actor);
      return;
    }
    if (event.activity) {
      this.activity.items = mergeActivity(this.activity.items, [event.activity]);
      this.renderActivity();
    }
    if (this.fetching) {
      this.queue.push(event);
      return;
    }
    const result = applyEvent(this.board, event);
    if (result.applied) {
      this.setBoard(result.board);
      this.render();
    }
    if (result.refetch) this.refetch();
  }

  /** Replaces the board (and the newest activity) with the server's, then replays events that came meanwhile. */
  refetch() {
    if (this.fetching) {
      this.fetchAgain = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      for (let round = 0; round < 5 && !this.disposed; round++) {
        this.fetchAgain = false;
        try {
          const [board, page] = await Promise.all([api.getBoard(this.id, this.token), api.activity(this.id)]);
          if (this.disposed) return;
          let next = board;
          for (const event of this.queue.splice(0)) {
            const r = applyEvent(next, event);
            next = r.board;
            if (r.refetch) this.fetchAgain = true;
          }
          this.setBoard(next);
          this.activity.items = mergeActivity(this.activity.items, page.items ?? []);
          if (!this.activity.loadedOlder) this.activity.next = page.next ?? null;
          this.render();
          this.renderActivity();
        } catch (err) {
          // Events that came meanwhile stay queued for the next fetch, which is never more than a backoff away: a
          // board that failed to refresh must not stay stale (or hold events back) until something else happens.
          // A retro or seat that is gone (404, 401) will not come back by retrying.
          const transient = !err.status || err.status === 429 || err.status >= 500;
          if (this.refetchFailures++ === 0) toast(`Could not refresh the board${transient ? ', retrying' : ''}: ${err.message}`);
          if (transient) this.retryRefetch();
          return;
        }
        if (this.refetchFailures > 0) toast('The board is up to date again.', 'info');
        this.refetchFailures = 0;
        clearTimeout(this.refetchTimer); // another refetch got there first: no retry needed
        if (!this.fetchAgain) return;
      }
    })().finally(() => {
      this.fetching = null;
    });
    return this.fetching;
  }

  /** Fetches again after a delay that grows with each failure in a row (1 s, 2 s, 4 s, … at most 30 s). */
  retryRefetch() {
    clearTimeout(this.refetchTimer);
    const delayMs = Math.min(30000, 1000 * 2 ** Math.min(5, this.refetchFailures - 1));
    this.refetchTimer = setTimeout(() => {
      if (!this.disposed) this.refetch();
    }, delayMs);
  }

  // -- actions --

  async act(button, work) {
    if (button) button.disabled = true;
    try {
      await work();
      // Without a live socket no event will come: show the result by reading the board.
      if (this.conn?.state !== 'open') await this.refetch();
    } catch (err) {
      toast(err.message);
      if (err.status === 401) {
        store.clear(this.id);
        this.creds = null;
        this.conn?.stop();
        this.render();
      }
    } finally {
      if (button?.isConnected) button.disabled = false;
    }
  }

  handlers = {
    vote: (topic, b) => this.act(b, async () => {
      const r = await api.vote(this.id, this.token, topic.id);
      this.setBoard(withMyVote(this.board, topic.id, true, r.votesLeft));
      this.render();
    }),
    unvote: (topic, b) => this.act(b, async () => {
      const r = await api.unvote(this.id, this.token, topic.id);
      this.setBoard(withMyVote(this.board, topic.id, false, r.votesLeft));
      this.render();
    }),
    start: (topic, b) => this.act(b, () => api.start(this.id, this.token, topic.id)),
    done: (topic, b) => this.act(b, () => api.done(this.id, this.token, topic.id)),
    reopen: (topic, b) => this.act(b, () => api.reopen(this.id, this.token, topic.id)),
    edit: (topic) => {
      this.editing.set(String(topic.id), { title: topic.title, description: topic.description ?? '' });
      this.render();
    },
    cancel: (topic) => {
      this.editing.delete(String(topic.id));
      this.render();
    },
    save: (topic, form, draft) => {
      const save = form.querySelector('[data-testid="edit-save"]');
      return this.act(save, async () => {
        await api.editTopic(this.id, this.token, topic.id, { title: draft.title.trim(), description: draft.description.trim() });
        this.editing.delete(String(topic.id));
        this.render();
      });
    },
  };

  // -- layout and rendering --

  buildLayout() {
    const column = (list, label) => {
      const body = h('div', { class: 'column__topics' });
      const count = h('span', { class: 'column__count' });
      const el = h('section', { class: `column column--${list}`, 'data-testid': `column-${list}`, 'aria-labelledby': `heading-${list}` },
        h('h2', { id: `heading-${list}`, class: 'column__title' }, label, count), body);
      return { el, body, count };
    };
    this.columns = {
      previous: column('previous', 'Previous'),
      current: column('current', 'Current'),
      next: column('next', 'Next'),
    };

    this.titleEl = h('h1', { class: 'retro__title' });
    this.meEl = h('p', { class: 'retro__me' });
    const copy = h('button', { type: 'button', class: 'btn btn--small', onclick: () => this.copyLink() }, 'Copy invite link');
    // Shown when live updates ended for good (forced offline, or the tab was told to stop): a way back in.
    this.reconnectButton = h('button', {
      type: 'button', class: 'btn btn--small btn--primary', hidden: true, 'data-testid': 'reconnect-button',
      onclick: () => this.conn?.start().catch(() => {}),
    }, 'Reconnect');
    this.joinEl = h('div');
    this.addEl = h('div');
    this.onlineList = h('ul', { class: 'people', 'data-testid': 'online-list', 'aria-label': 'Online now' });
    this.offlineList = h('ul', { class: 'people people--away', 'aria-label': 'Not here right now' });
    this.onlineCount = h('span', { class: 'column__count' });
    this.feed = h('ol', { class: 'activity', 'aria-label': 'Activity, newest first' });
    this.moreButton = h('button', { type: 'button', class: 'btn btn--small btn--ghost', 'data-testid': 'activity-more' }, 'Load more');
    this.moreButton.addEventListener('click', () => this.loadMoreActivity());

    app.replaceChildren(h('section', { class: 'retro' },
      h('div', { class: 'retro__head' }, h('div', {}, this.titleEl, this.meEl), h('div', { class: 'retro__tools' }, this.reconnectButton, copy)),
      this.joinEl,
      this.addEl,
      h('div', { class: 'retro__layout' },
        h('div', { class: 'board' }, this.columns.previous.el, this.columns.current.el, this.columns.next.el),
        h('aside', { class: 'side' },
          h('section', { class: 'panel', 'aria-labelledby': 'online-heading' },
            h('h2', { id: 'online-heading', class: 'panel__title' }, 'Online', this.onlineCount),
            this.onlineList,
            this.offlineList),
          h('section', { class: 'panel', 'aria-labelledby': 'activity-heading' },
            h('h2', { id: 'activity-heading', class: 'panel__title' }, 'Activity'),
            this.feed,
            this.moreButton)))));
  }

  render() {
    if (!this.columns || !this.board) return;
    const b = this.board;
    setTitle(b.title);
    this.titleEl.textContent = b.title;
    const me = this.creds ? b.me : null;
    this.meEl.replaceChildren(...(me
      ? ['You are ', h('strong', {}, me.name), ` · ${me.votesLeft} of ${b.votesPerParticipant} votes left`]
      : ['Watching. Join to add topics and vote.']));
    this.renderJoin();
    this.renderAddTopic();

    const voted = new Set((me?.votedTopicIds ?? []).map(String));
    const seen = new Set();
    for (const list of ['previous', 'current', 'next']) {
      const topics = b[list] ?? [];
      const nodes = topics.map((t) => {
        seen.add(String(t.id));
        return this.cardFor(t, { canAct: !!me, voted: voted.has(String(t.id)), votesLeft: me?.votesLeft ?? 0 });
      });
      syncChildren(this.columns[list].body, nodes.length ? nodes : [this.emptyFor(list)]);
      this.columns[list].count.textContent = topics.length ? ` ${topics.length}` : '';
    }
    for (const id of this.cards.keys()) if (!seen.has(id)) this.cards.delete(id);
    for (const id of this.editing.keys()) if (!seen.has(id)) this.editing.delete(id);
    this.renderPeople();
  }

  cardFor(topic, ctx) {
    const id = String(topic.id);
    const editing = this.editing.get(id) ?? null;
    const key = editing ? 'editing' : JSON.stringify([topic, ctx]);
    const cached = this.cards.get(id);
    if (cached && cached.key === key) return cached.el;
    const el = topicCard(topic, { ...ctx, editing, on: this.handlers });
    this.cards.set(id, { key, el });
    return el;
  }

  emptyFor(list) {
    this.empties ??= {};
    return (this.empties[list] ??= emptyHint(list));
  }

  renderPeople() {
    const meId = this.creds?.participantId;
    const people = [...(this.board.participants ?? [])].sort((a, b) => a.name.localeCompare(b.name));
    const online = people.filter((p) => p.online);
    const away = people.filter((p) => !p.online);
    this.onlineList.replaceChildren(...online.map((p) => participantItem(p, { online: true, isMe: p.id === meId })));
    if (online.length === 0) this.onlineList.append(h('li', { class: 'empty' }, 'Nobody is connected right now.'));
    this.offlineList.replaceChildren(...away.map((p) => participantItem(p, { online: false, isMe: p.id === meId })));
    this.onlineCount.textContent = ` ${online.length}`;
  }

  renderJoin() {
    if (this.creds) {
      this.joinEl.replaceChildren();
      return;
    }
    if (this.joinEl.firstChild) return; // keep what the user is typing
    const name = h('input', { id: 'join-name', name: 'name', required: true, maxlength: 60, autocomplete: 'nickname', placeholder: 'Your name', 'data-testid': 'join-name' });
    const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'join-submit' }, 'Join');
    const form = h('form', { class: 'card join', 'aria-labelledby': 'join-heading' },
      h('h2', { id: 'join-heading' }, 'Join this retro'),
      h('div', { class: 'inline-form' }, h('label', { for: name.id, class: 'sr-only' }, 'Display name'), name, submit));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      submit.disabled = true;
      try {
        const joined = await api.join(this.id, name.value.trim());
        this.creds = { participantId: joined.participantId, token: joined.token, name: name.value.trim(), title: this.board?.title, joinedAt: Date.now() };
        store.set(this.id, this.creds);
        this.joinEl.replaceChildren();
        await this.refetch();
        this.connect();
      } catch (err) {
        toast(err.message);
        submit.disabled = false;
      }
    });
    this.joinEl.replaceChildren(form);
    name.focus();
  }

  renderAddTopic() {
    if (!this.creds) {
      this.addEl.replaceChildren();
      return;
    }
    if (this.addEl.firstChild) return;
    const title = h('input', { id: 'add-topic-title', name: 'title', required: true, maxlength: 200, autocomplete: 'off', placeholder: 'What should we talk about?', 'data-testid': 'add-topic-title' });
    const description = h('textarea', { id: 'add-topic-description', name: 'description', rows: 1, maxlength: 2000, placeholder: 'Details (optional)', 'data-testid': 'add-topic-description' });
    const submit = h('button', { type: 'submit', class: 'btn btn--primary', 'data-testid': 'add-topic-submit' }, 'Add topic');
    const form = h('form', { class: 'card add-topic', 'aria-labelledby': 'add-heading' },
      h('h2', { id: 'add-heading', class: 'sr-only' }, 'Add a topic'),
      h('div', { class: 'add-topic__fields' },
        h('div', { class: 'field' }, h('label', { for: title.id }, 'Topic'), title),
        h('div', { class: 'field field--grow' }, h('label', { for: description.id }, 'Description'), description),
        submit));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const sent = { title: title.value.trim(), description: description.value.trim() };
      this.act(submit, async () => {
        await api.addTopic(this.id, this.token, sent.title, sent.description);
        // Clear only what was sent: the new card often arrives live before this answer, and by now the user may be
        // typing the next topic, which a form reset would wipe.
        if (description.value.trim() === sent.description) description.value = '';
        if (title.value.trim() === sent.title) {
          title.value = '';
          title.focus();
        }
      });
    });
    this.typingEl = h('p', { class: 'typing', 'aria-live': 'polite', 'data-testid': 'typing-indicator' });
    this.watchTyping(title);
    this.addEl.replaceChildren(form, this.typingEl);
    this.renderTyping();
  }

  // -- "Ann is typing…": a client event while the title has focus and text, at most every 2 s --

  watchTyping(title) {
    let last = 0;
    let timer = null;
    const tell = () => {
      if (this.disposed) {
        clearInterval(timer);
        return;
      }
      if (document.activeElement !== title || !title.value.trim() || Date.now() - last < TYPING_EVERY_MS) return;
      if (this.conn?.sendEvent('typing', { field: 'topic-title' })) last = Date.now();
    };
    title.addEventListener('input', tell);
    title.addEventListener('focus', () => {
      tell();
      clearInterval(timer);
      timer = setInterval(tell, TYPING_EVERY_MS);
    });
    title.addEventListener('blur', () => clearInterval(timer));
  }

  showTyping(actor) {
    if (!actor?.id || actor.id === this.creds?.participantId) return;
    this.typers.set(String(actor.id), { name: actor.name, until: Date.now() + TYPING_SHOWN_MS });
    this.renderTyping();
  }

  renderTyping() {
    const now = Date.now();
    for (const [id, t] of this.typers) if (t.until <= now) this.typers.delete(id);
    if (this.typingEl) this.typingEl.textContent = typingText([...this.typers.values()].map((t) => t.name));
    clearTimeout(this.typingTimer);
    this.typingTimer = null;
    if (this.typers.size > 0) {
      const next = Math.min(...[...this.typers.values()].map((t) => t.until));
      this.typingTimer = setTimeout(() => this.renderTyping(), Math.max(50, next - now));
    }
  }

  renderActivity() {
    if (!this.feed) return;
    const nodes = this.activity.items.map((item) => {
      const id = String(item.id);
      let el = this.activityEls.get(id);
      if (!el) this.activityEls.set(id, (el = activityItem(item)));
      return el;
    });
    syncChildren(this.feed, nodes.length ? nodes : [h('li', { class: 'empty' }, 'Nothing has happened yet.')]);
    this.moreButton.hidden = this.activity.next == null;
  }

  async loadMoreActivity() {
    if (this.activity.next == null) return;
    this.moreButton.disabled = true;
    try {
      const page = await api.activity(this.id, this.activity.next);
      this.activity.items = mergeActivity(this.activity.items, page.items ?? []);
      this.activity.next = page.next ?? null;
      this.activity.loadedOlder = true;
      this.renderActivity();
    } catch (err) {
      toast(err.message);
    } finally {
      this.moreButton.disabled = false;
    }
  }

  async copyLink() {
    const link = `${location.origin}${location.pathname}#/r/${this.id}`;
    try {
      await navigator.clipboard.writeText(link);
      toast('Invite link copied.', 'info');
    } catch {
      window.prompt('Copy this link:', link);
    }
  }
}

route();
