// A WebSocket whose server side the test plays by hand: every `new ScriptedWebSocket(url)` is queued for the test
// (ScriptedWebSocket.next()), which opens it and pushes frames. For client rules a real node cannot be made to show
// on demand, e.g. a 'recovered' frame behind what the client already saw.

const OPEN = 1;
const CLOSED = 3;
const waiting = [];
const created = [];

export class ScriptedWebSocket {
  static CONNECTING = 0;
  static OPEN = OPEN;
  static CLOSING = 2;
  static CLOSED = CLOSED;

  readyState = 0;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;
  /** Frames the client sent, parsed. */
  sent = [];

  constructor(url) {
    this.url = url;
    const waiter = waiting.shift();
    if (waiter) waiter(this);
    else created.push(this);
  }

  /** The next socket the client creates (resolves at once when one is already waiting). */
  static next(timeoutMs = 5000) {
    if (created.length > 0) return Promise.resolve(created.shift());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no WebSocket created within ${timeoutMs} ms`)), timeoutMs);
      waiting.push((ws) => { clearTimeout(timer); resolve(ws); });
    });
  }

  /** The positions the client presented on this socket's URL (recover=), or []. */
  get presented() {
    const recover = new URL(this.url).searchParams.get('recover');
    return recover ? JSON.parse(Buffer.from(recover, 'base64url').toString('utf8')) : [];
  }

  /** The server accepts, then sends these frames (objects are JSON-encoded). */
  open(...frames) {
    this.readyState = OPEN;
    this.onopen?.({});
    this.push(...frames);
  }

  push(...frames) {
    for (const f of frames) this.onmessage?.({ data: typeof f === 'string' ? f : JSON.stringify(f) });
  }

  /** The server closes the connection. */
  drop(code = 1011, reason = 'scripted loss') {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.onclose?.({ code, reason, wasClean: false });
  }

  send(text) {
    if (this.readyState !== OPEN) throw new Error('not open');
    this.sent.push(JSON.parse(text));
  }

  close(code = 1000, reason = '') {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    queueMicrotask(() => this.onclose?.({ code, reason, wasClean: true }));
  }
}
