// The fallback transport: server-sent events down (a streamed fetch of GET /sse) and one HTTP POST per client frame
// up (POST /sse/send), behind the small part of the WebSocket interface RetroImConnection uses (readyState, send,
// close, onmessage, onclose, onerror). fetch streaming rather than EventSource, so it runs in browsers and in Node
// alike, and so refusals (401, 421) are seen as they are. The frames are the WebSocket's, byte for byte.

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 3;

/** Maps a connect URL ws(s)://host/…/ws?token=… to the SSE stream URL http(s)://host/…/sse?token=…. */
export function toSseUrl(connectUrl) {
  const url = new URL(connectUrl);
  if (url.protocol === 'ws:') url.protocol = 'http:';
  else if (url.protocol === 'wss:') url.protocol = 'https:';
  url.pathname = url.pathname.replace(/\/ws$/, '') + '/sse';
  return url.toString();
}

export class SseSocket {
  static CONNECTING = CONNECTING;
  static OPEN = OPEN;
  static CLOSED = CLOSED;

  readyState = CONNECTING;
  onmessage = null;
  onclose = null;
  onerror = null;
  #fetch;
  #abort = new AbortController();
  #sendUrl = null;
  #postToken = null;
  #posting = Promise.resolve();

  /** @param {string} url a ws(s):// connect URL (or already an http(s)://…/sse one) */
  constructor(url, options = {}) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('The SSE transport needs fetch');
    // Called without a receiver: browsers refuse window.fetch invoked on another object ("Illegal invocation").
    this.#fetch = (...args) => fetchImpl(...args);
    this.url = /^wss?:/i.test(url) ? toSseUrl(url) : url;
    this.#run();
  }

  /** Posts one frame; frames go out one after another, in order. */
  send(text) {
    if (this.readyState !== OPEN) {
      if (this.readyState === CONNECTING) throw new Error('InvalidStateError: the SSE stream is not open yet');
      return;
    }
    this.#posting = this.#posting.then(() => this.#post(String(text), true));
  }

  close(code = 1000, reason = '') {
    if (this.readyState === CLOSED) return;
    this.#finish(code, reason);
  }

  async #run() {
    let response;
    try {
      response = await this.#fetch(this.url, {
        headers: { accept: 'text/event-stream' },
        cache: 'no-store',
        signal: this.#abort.signal,
      });
    } catch {
      this.#fail('stream request failed');
      return;
    }
    if (!response.ok || !response.body) {
      // Like a refused WebSocket upgrade: the SDK asks for a fresh URL and retries.
      this.#fail(`HTTP ${response.status}`);
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    try {
      while (this.readyState !== CLOSED) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          this.#onEvent(block);
          if (this.readyState === CLOSED) return;
        }
      }
    } catch {
      // Aborted by close(), or the network dropped the stream.
    }
    if (this.readyState !== CLOSED) this.#fail('stream ended');
  }

  #onEvent(block) {
    let name = 'message';
    let data = null;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue; // heartbeat comment
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') name = value;
      else if (field === 'data') data = data === null ? value : data + '\n' + value;
    }
    if (data === null) return;
    if (name === 'close') {
      let close = {};
      try {
        close = JSON.parse(data);
      } catch {
        // A malformed close still closes.
      }
      this.#finish(Number.isInteger(close.code) ? close.code : 1006, typeof close.reason === 'string' ? close.reason : '');
      return;
    }
    if (this.readyState === CONNECTING) {
      // The first frame is the welcome; its "sse" member says where and how to post.
      let sse;
      try {
        sse = JSON.parse(data).sse;
      } catch {
        sse = null;
      }
      if (!sse || typeof sse.c !== 'string' || typeof sse.postToken !== 'string') {
        this.#fail('the first frame carried no post token');
        return;
      }
      this.#postToken = sse.postToken;
      this.#sendUrl = sendUrl(this.url, sse.c);
      this.readyState = OPEN;
    }
    if (this.onmessage) this.onmessage({ data });
  }

  async #post(text, followRedirect) {
    if (this.readyState !== OPEN) return;
    let response;
    try {
      response = await this.#fetch(this.#sendUrl, {
        method: 'POST',
        headers: { authorization: 'Bearer ' + this.#postToken, 'content-type': 'text/plain;charset=utf-8' },
        body: text,
        signal: this.#abort.signal,
      });
    } catch {
      this.#fail('post failed');
      return;
    }
    if (response.status === 421 && followRedirect) {
      // The POST reached a node that does not hold this stream (no sticky sessions): it names the one that does.
      const body = await response.json().catch(() => null);
      if (body && typeof body.url === 'string') {
        const here = new URL(this.#sendUrl);
        const there = new URL(body.url.replace(/^ws(s?):/i, 'http$1:'));
        here.protocol = there.protocol;
        here.host = there.host;
        this.#sendUrl = here.toString();
        await this.#post(text, false);
        return;
      }
    }
    // Drain the body so the HTTP connection is reused.
    await response.arrayBuffer().catch(() => null);
    if (response.status >= 400 && response.status !== 429) this.#fail(`post refused: HTTP ${response.status}`);
  }

  #fail(reason) {
    if (this.readyState === CLOSED) return;
    if (this.onerror) this.onerror({ type: 'error', message: reason });
    this.#finish(1006, reason);
  }

  #finish(code, reason) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.#abort.abort();
    const onclose = this.onclose;
    if (onclose) queueMicrotask(() => onclose({ code, reason, wasClean: code !== 1006 }));
  }
}

function sendUrl(streamUrl, c) {
  const url = new URL(streamUrl);
  url.pathname = url.pathname.replace(/\/sse$/, '') + '/sse/send';
  url.search = '?c=' + encodeURIComponent(c);
  return url.toString();
}
