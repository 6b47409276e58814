// RetroIm client SDK: one WebSocket to an ImServer node, kept alive and reopened by itself.
// No dependencies and no build step: import it from a browser, a mobile web view or Node (with a WebSocket).
//
// Wire protocol (ImServer README "Wire protocol"): the server sends JSON text frames
//   {"type":"welcome","clientId","connectionId","node","streams":[{stream,epoch,offset}]}   first frame on every connection
//   {"type":"message","id","from","chan","ts","data"}     business messages
//   {"type":"pong"} / {"type":"error","code","message"}
//   {"type":"reconnect","afterMs"}                        the node drains: reconnect (elsewhere) after afterMs
//   {"type":"joined","chan","pos":{stream,epoch,offset}}  joined a channel while connected (its current position)
//   {"type":"recovered","streams":[{stream,epoch,offset,replayed}]} / {"type":"recover_failed","stream","reason","epoch","offset"}
// Direct and channel messages carry "pos":{"stream","epoch","offset"}: the SDK remembers the last one per stream and
// presents them when it reconnects (connect URL parameter recover=<base64url JSON>), so the node replays what was
// missed, in order and once, before live messages (README "Delivery guarantees").
// and the client sends {"type":"ping"}. Connect URLs carry single-use tokens, so every attempt asks for a new one.
// Networks that block WebSockets: with transports ['websocket','sse'] (the default) the SDK falls back to server-sent
// events down and HTTP POST up (sse-socket.js) after fallbackAfter failed opens, or at once without a WebSocket.

import { computeBackoffDelay, normalizeBackoff } from './backoff.js';
import { CloseCodes, ConnectionState, nextState, shouldReconnect } from './connection-state.js';
import { Emitter } from './emitter.js';
import { SseSocket } from './sse-socket.js';

export { computeBackoffDelay, normalizeBackoff, DEFAULT_BACKOFF } from './backoff.js';
export { CloseCodes, ConnectionState, nextState, shouldReconnect } from './connection-state.js';
export { SseSocket, toSseUrl } from './sse-socket.js';

const OPEN = 1; // WebSocket.OPEN, read as a number so that foreign implementations need not expose the constant

const DEFAULTS = Object.freeze({
  pingIntervalMs: 20000,
  pongTimeoutMs: 10000,
  connectTimeoutMs: 15000,
});

/** A connection to RetroIm's relay. See retroim.d.ts for the documented surface. */
export class RetroImConnection {
  #getConnectUrl;
  #WebSocket;
  #pingIntervalMs;
  #pongTimeoutMs;
  #connectTimeoutMs;
  #backoff;
  #random;
  #emitter = new Emitter();
  #transports;
  #fallbackAfter;
  #fetch;
  /** 'websocket' or 'sse': what the next attempt uses. Once fallen back, the session stays on SSE. */
  #transport;
  /** Consecutive WebSocket attempts that never got a welcome. */
  #wsFailures = 0;
  #awaitingWelcome = false;
  #initialTransport;

  #state = ConnectionState.Closed;
  #welcome = null;
  #ws = null;
  /** Identity of the current start()…stop() session; callbacks of an older session compare and bail out. */
  #session = null;
  #attempt = 0;
  #startWaiter = null;
  #retryTimer = null;
  #connectTimer = null;
  #pingTimer = null;
  #pongTimer = null;
  #moveTimer = null;
  /** During a drain move: the old socket, kept until the new one is welcomed (make before break). */
  #movingFrom = null;
  /** Set while a move's new socket has not been welcomed: a failure of it is reported as the move (1012). */
  #moveInfo = null;
  #unwatchEnvironment = null;
  #recover;
  #autoAck;
  /** stream → {epoch, offset} of the last message seen on it. */
  #positions = new Map();

  /** @param {import('./retroim.js').RetroImConnectionOptions} options */
  constructor(options) {
    if (!options || typeof options.getConnectUrl !== 'function') {
      throw new TypeError('RetroImConnection needs options.getConnectUrl: an async function returning a ws(s):// URL');
    }
    const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    this.#transports = transportsOption(options.transports);
    // Old mini-program runtimes have no globalThis (nor fetch): they keep to the WebSocket they are given.
    this.#fetch = options.fetch ?? (typeof globalThis === 'object' ? globalThis.fetch : undefined);
    const canSse = this.#transports.includes('sse') && typeof this.#fetch === 'function';
    const canWebSocket = this.#transports.includes('websocket') && typeof WebSocketImpl === 'function';
    if (!canWebSocket && !canSse) {
      throw new TypeError('No WebSocket implementation: pass options.WebSocket (Node 20 needs --experimental-websocket)');
    }
    this.#transport = this.#initialTransport = canWebSocket ? 'websocket' : 'sse';
    this.#fallbackAfter = canSse ? Math.max(1, Math.floor(options.fallbackAfter ?? 2)) : Infinity;
    this.#getConnectUrl = options.getConnectUrl;
    this.#WebSocket = WebSocketImpl;
    this.#pingIntervalMs = positive(options.pingIntervalMs ?? DEFAULTS.pingIntervalMs, 'pingIntervalMs');
    this.#pongTimeoutMs = positive(options.pongTimeoutMs ?? DEFAULTS.pongTimeoutMs, 'pongTimeoutMs');
    this.#connectTimeoutMs = positive(options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs, 'connectTimeoutMs');
    this.#backoff = normalizeBackoff(options.backoff);
    this.#random = options.random ?? Math.random;
    this.#recover = options.recover !== false;
    this.#autoAck = options.ack === true;
  }

  /** Acknowledges a direct message ({"type":"ack","stream","offset"}), so a sender waiting for a receipt learns it
   *  was delivered. Takes a message envelope or its pos. Returns false when not open or not a direct message. */
  ack(messageOrPos) {
    const pos = messageOrPos && messageOrPos.pos ? messageOrPos.pos : messageOrPos;
    if (!pos || typeof pos.stream !== 'string' || !pos.stream.startsWith('c:') || !Number.isSafeInteger(pos.offset)) return false;
    return this.send({ type: 'ack', stream: pos.stream, offset: pos.offset });
  }

  /** The last position seen per stream: [{stream, epoch, offset}], what the next reconnect presents. */
  get positions() {
    return [...this.#positions].map(([stream, p]) => ({ stream, epoch: p.epoch, offset: p.offset }));
  }

  /** Forgets every position (e.g. after the app refetched its whole state for another user). */
  forgetPositions() {
    this.#positions.clear();
  }

  /** The transport of the current (or next) attempt: "websocket" or "sse". */
  get transport() {
    return this.#transport;
  }

  /** "connecting" | "open" | "reconnecting" | "closed" */
  get state() {
    return this.#state;
  }

  /** The last welcome ({clientId, connectionId, node}), or null before the first one. */
  get welcome() {
    return this.#welcome;
  }

  /** Subscribes to an envelope type ("message", "welcome", "pong", "error", …), "*" (every envelope),
   *  "state" (state changes) or "retry" (a reconnect was scheduled). Returns the unsubscribe function. */
  on(type, handler) {
    return this.#emitter.on(type, handler);
  }

  /** Connects (and keeps reconnecting) until stop(). Resolves with the first welcome of this session. */
  start() {
    if (this.#state === ConnectionState.Open) return Promise.resolve(this.#welcome);
    if (this.#state !== ConnectionState.Closed) return this.#startWaiter.promise;
    this.#session = {};
    this.#attempt = 0;
    // Every session tries the WebSocket first again: the network may have changed since the last fallback.
    this.#transport = this.#initialTransport;
    this.#wsFailures = 0;
    this.#awaitingWelcome = false;
    this.#startWaiter = deferred();
    const waiter = this.#startWaiter;
    this.#setState(nextState(this.#state, 'start'), {});
    this.#unwatchEnvironment = this.#watchEnvironment();
    this.#connect(this.#session);
    return waiter.promise;
  }

  /** Closes the socket and stops reconnecting. A pending start() rejects. */
  stop() {
    if (this.#state === ConnectionState.Closed) return;
    this.#endSession(nextState(this.#state, 'stop'), { code: CloseCodes.Normal, reason: 'stopped' },
      new Error('RetroImConnection was stopped before it connected'));
  }

  /** Sends a frame: an object is JSON-encoded, a string goes verbatim. Returns false when not open. */
  send(frame) {
    // During a move the old socket still works until the new one is open.
    const ws = this.#ws && this.#ws.readyState === OPEN ? this.#ws : this.#movingFrom;
    if (this.#state !== ConnectionState.Open || !ws || ws.readyState !== OPEN) return false;
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return true;
  }

  /** Sends a client event to the business: {"type":"event","event":name,"data":data}. The connect URL must grant
   * event.<name> (else the server answers with an error frame, code "forbidden", and the socket stays open).
   * Fire-and-forget: returns false when not open; nothing is queued for later. */
  sendEvent(name, data = null) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('sendEvent: name must be a non-empty string');
    return this.send({ type: 'event', event: name, data: data === undefined ? null : data });
  }

  async #connect(session) {
    if (session !== this.#session) return;
    let url;
    try {
      url = await this.#getConnectUrl();
      if (typeof url !== 'string' || url === '') throw new TypeError('getConnectUrl must return a non-empty URL string');
    } catch (error) {
      if (session !== this.#session) return;
      if (error && error.retry === false) {
        this.#endSession(nextState(this.#state, 'fatal'), { error }, error);
      } else {
        this.#scheduleRetry(session, { error });
      }
      return;
    }
    if (session !== this.#session) return;
    url = this.#withRecover(url);

    if (this.#transport === 'websocket' && this.#awaitingWelcome && ++this.#wsFailures >= this.#fallbackAfter) {
      // The WebSocket never opened that many times in a row: probably a network that blocks it.
      this.#transport = 'sse';
    }
    this.#awaitingWelcome = true;
    let ws;
    try {
      ws = this.#transport === 'sse' ? new SseSocket(url, { fetch: this.#fetch }) : new this.#WebSocket(url);
    } catch (error) {
      this.#scheduleRetry(session, { error });
      return;
    }
    this.#ws = ws;
    this.#connectTimer = setTimeout(() => {
      this.#drop(ws, CloseCodes.HeartbeatTimeout, 'no welcome within connectTimeoutMs');
    }, this.#connectTimeoutMs);
    ws.onmessage = (event) => this.#onFrame(ws, event.data);
    ws.onclose = (event) => this.#onClose(ws, event.code, event.reason);
    // Browsers follow an error with a close (1006), but some implementations (Node 20's, on a refused upgrade) never
    // do: treat the error itself as the loss.
    ws.onerror = () => this.#onError(ws);
  }

  #onFrame(ws, data) {
    const current = ws === this.#ws;
    if (!current && ws !== this.#movingFrom) return;
    if (current) {
      // Any frame proves the socket is alive, even when a pong queues behind a burst of messages.
      clearTimeout(this.#pongTimer);
      this.#pongTimer = null;
    }
    const envelope = parseEnvelope(data);
    if (!envelope) return;
    if (envelope.type === 'welcome' && current) {
      // A move's new socket is registered now: the old one can go without the client ever being offline.
      this.#closeMovingFrom();
      this.#moveInfo = null;
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
      this.#welcome = Object.freeze({
        clientId: envelope.clientId,
        connectionId: envelope.connectionId,
        node: envelope.node,
      });
      this.#attempt = 0;
      this.#awaitingWelcome = false;
      this.#wsFailures = 0;
      this.#startHeartbeat(ws);
      this.#setState(nextState(this.#state, 'welcome'), {});
      const waiter = this.#startWaiter;
      if (waiter) waiter.resolve(this.#welcome);
    }
    if (envelope.type === 'reconnect' && current) this.#moveLater(ws, envelope.afterMs);
    if (!this.#track(envelope)) return;
    this.#emitter.emit(envelope.type, envelope);
    this.#emitter.emit('*', envelope);
    if (this.#autoAck && envelope.type === 'message') this.ack(envelope);
  }

  /** Appends the remembered positions to a connect URL (nothing on a first connect or with recover: false). */
  #withRecover(url) {
    if (!this.#recover || this.#positions.size === 0) return url;
    return url + (url.includes('?') ? '&' : '?') + 'recover=' + base64Url(JSON.stringify(this.positions));
  }

  /** Keeps the positions up to date; false for a message already seen (dropped, never emitted). */
  #track(envelope) {
    const positions = this.#positions;
    if (envelope.type === 'message') {
      const pos = envelope.pos;
      if (!pos || typeof pos.stream !== 'string' || typeof pos.epoch !== 'string' || !Number.isSafeInteger(pos.offset)) return true;
      const last = positions.get(pos.stream);
      if (last && last.epoch === pos.epoch && pos.offset <= last.offset) return false;
      positions.set(pos.stream, { epoch: pos.epoch, offset: pos.offset });
    } else if (envelope.type === 'welcome' && Array.isArray(envelope.streams)) {
      // The node's current positions of this client's streams: adopt those not tracked yet, so a stream that has not
      // delivered anything (a quiet channel, a fresh client) is still recovered after a disconnect.
      for (const s of envelope.streams) {
        if (s && typeof s.stream === 'string' && typeof s.epoch === 'string' && Number.isSafeInteger(s.offset) && !positions.has(s.stream)) {
          positions.set(s.stream, { epoch: s.epoch, offset: s.offset });
        }
      }
    } else if (envelope.type === 'joined' && envelope.pos && typeof envelope.pos.stream === 'string' && typeof envelope.pos.epoch === 'string'
      && Number.isSafeInteger(envelope.pos.offset) && !positions.has(envelope.pos.stream)) {
      // Joined a channel while connected: its position, so it is recovered even before its first message arrives.
      positions.set(envelope.pos.stream, { epoch: envelope.pos.epoch, offset: envelope.pos.offset });
    } else if (envelope.type === 'recovered' && Array.isArray(envelope.streams)) {
      for (const s of envelope.streams) {
        if (!s || typeof s.stream !== 'string' || typeof s.epoch !== 'string') continue;
        // Never backwards: during a drain move the old socket may already have delivered past the replay.
        const seen = positions.get(s.stream);
        if (!(seen && seen.epoch === s.epoch && seen.offset >= s.offset)) positions.set(s.stream, { epoch: s.epoch, offset: s.offset });
      }
    } else if (envelope.type === 'recover_failed' && typeof envelope.stream === 'string') {
      // Continue from the stream's current position (the app refetches its state); without one, stop presenting it.
      if (typeof envelope.epoch === 'string') positions.set(envelope.stream, { epoch: envelope.epoch, offset: envelope.offset });
      else positions.delete(envelope.stream);
    }
    return true;
  }

  /** The node is draining: {"type":"reconnect","afterMs":n} asks us to reconnect (to another node) in n ms, spread
   *  so that its clients do not all arrive at once. Then, without backoff, make before break: open the new socket
   *  (fresh URL, presenting positions) while the old one keeps delivering, and close the old one once the new one is
   *  welcomed, so presence never sees the client offline; a message arriving on both is emitted once (positions).
   *  The node closes the old socket with 1012 a moment after n anyway. */
  #moveLater(ws, afterMs) {
    const delayMs = Number.isFinite(afterMs) && afterMs > 0 ? Math.min(afterMs, 300000) : 0;
    clearTimeout(this.#moveTimer);
    this.#moveTimer = setTimeout(() => {
      this.#moveTimer = null;
      if (ws !== this.#ws) return;
      const info = { code: CloseCodes.ServiceRestart, reason: 'server asked to reconnect' };
      clearTimeout(this.#connectTimer);
      clearInterval(this.#pingTimer);
      clearTimeout(this.#pongTimer);
      this.#connectTimer = this.#pingTimer = this.#pongTimer = null;
      this.#closeMovingFrom();
      this.#movingFrom = ws;
      this.#ws = null;
      this.#moveInfo = info;
      this.#emitter.emit('retry', { ...info, attempt: 0, delayMs: 0 });
      this.#connect(this.#session);
    }, delayMs);
  }

  /** Closes the socket a move left behind (once the new one is welcomed, or when the session ends). */
  #closeMovingFrom() {
    const old = this.#movingFrom;
    this.#movingFrom = null;
    if (!old) return;
    old.onmessage = old.onclose = null;
    old.onerror = () => {};
    try {
      old.close(CloseCodes.Normal, 'reconnecting on request');
    } catch {
      // Already closing or closed.
    }
  }

  #onClose(ws, code, reason) {
    if (ws === this.#movingFrom) {
      // The draining node closed the old socket first: the move's new socket carries on (or retries) by itself.
      this.#movingFrom = null;
      return;
    }
    if (ws !== this.#ws) return;
    const info = { code, reason: reason || '' };
    if (!shouldReconnect(code)) {
      this.#endSession(nextState(this.#state, 'kicked'), info,
        new Error(`RetroIm closed the connection (${code}${reason ? ' ' + reason : ''})`));
      return;
    }
    this.#releaseSocket(false);
    this.#scheduleRetry(this.#session, info);
  }

  #onError(ws) {
    if (ws !== this.#ws) return;
    this.#releaseSocket(true);
    this.#scheduleRetry(this.#session, { code: CloseCodes.Abnormal, reason: 'socket error' });
  }

  /** Gives up on a socket we consider dead (no welcome or no pong in time) and reconnects at once. */
  #drop(ws, code, reason) {
    if (ws !== this.#ws) return;
    this.#releaseSocket(true, code, reason);
    this.#scheduleRetry(this.#session, { code, reason });
  }

  #scheduleRetry(session, info) {
    if (session !== this.#session) return;
    // The new socket of a move failed (e.g. no other node takes it yet): what the user sees is the node's restart.
    if (this.#moveInfo) {
      info = this.#moveInfo;
      this.#moveInfo = null;
    }
    const attempt = this.#attempt++;
    const delayMs = computeBackoffDelay(attempt, this.#backoff, this.#random);
    this.#setState(nextState(this.#state, 'lost'), info);
    this.#emitter.emit('retry', { ...info, attempt, delayMs });
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect(session);
    }, delayMs);
  }

  /** Skips the wait of a scheduled retry, e.g. when the network comes back. */
  #retryNow() {
    if (this.#retryTimer === null) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#connect(this.#session);
  }

  #startHeartbeat(ws) {
    clearInterval(this.#pingTimer);
    this.#pingTimer = setInterval(() => this.#ping(ws), this.#pingIntervalMs);
  }

  #ping(ws) {
    if (ws !== this.#ws || ws.readyState !== OPEN) return;
    try {
      ws.send('{"type":"ping"}');
    } catch {
      // A failing send means the socket is going away; its close event or the pong deadline handles it.
    }
    // The deadline runs from the oldest unanswered ping; later pings do not extend it.
    if (this.#pongTimer === null) {
      this.#pongTimer = setTimeout(() => this.#drop(ws, CloseCodes.HeartbeatTimeout, 'no pong'), this.#pongTimeoutMs);
    }
  }

  #releaseSocket(close, code = CloseCodes.Normal, reason = '') {
    clearTimeout(this.#connectTimer);
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    clearTimeout(this.#moveTimer);
    this.#connectTimer = this.#pingTimer = this.#pongTimer = this.#moveTimer = null;
    const ws = this.#ws;
    this.#ws = null;
    if (!ws) return;
    ws.onmessage = ws.onclose = null;
    // Keep an error handler: some implementations (e.g. the 'ws' package) throw on unhandled errors.
    ws.onerror = () => {};
    if (close) {
      try {
        ws.close(code, reason.slice(0, 120));
      } catch {
        // Already closing or closed.
      }
    }
  }

  #endSession(state, info, error) {
    this.#session = null;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = null;
    this.#releaseSocket(true, CloseCodes.Normal, 'client stopped');
    this.#closeMovingFrom();
    this.#moveInfo = null;
    if (this.#unwatchEnvironment) this.#unwatchEnvironment();
    this.#unwatchEnvironment = null;
    const waiter = this.#startWaiter;
    this.#startWaiter = null;
    this.#setState(state, info);
    if (waiter && !waiter.settled) waiter.reject(error);
  }

  #setState(state, info) {
    const previous = this.#state;
    if (state === previous) return;
    this.#state = state;
    this.#emitter.emit('state', state, { previous, ...info });
  }

  /** In browsers: retry at once when the network returns, and check the socket when a page becomes visible again
   *  (a phone that slept may hold a dead socket for minutes). */
  #watchEnvironment() {
    // Old mini-program runtimes have no globalThis (and nothing to watch).
    const g = typeof globalThis === 'object' ? globalThis : {};
    if (typeof g.addEventListener !== 'function' || typeof g.removeEventListener !== 'function') return null;
    const onOnline = () => this.#retryNow();
    const onVisible = () => {
      if (g.document && g.document.visibilityState === 'visible' && this.#ws) this.#ping(this.#ws);
    };
    g.addEventListener('online', onOnline);
    g.addEventListener('visibilitychange', onVisible);
    return () => {
      g.removeEventListener('online', onOnline);
      g.removeEventListener('visibilitychange', onVisible);
    };
  }
}

function transportsOption(value) {
  const transports = value ?? ['websocket', 'sse'];
  if (!Array.isArray(transports) || transports.length === 0 || transports.some((t) => t !== 'websocket' && t !== 'sse')) {
    throw new TypeError("transports must be a non-empty array of 'websocket' and 'sse'");
  }
  return transports;
}

/** Parses a text frame into an envelope, or returns null for anything that is not a JSON object with a string type. */
export function parseEnvelope(data) {
  let text = data;
  if (typeof text !== 'string') {
    if (text instanceof ArrayBuffer || ArrayBuffer.isView(text)) text = new TextDecoder().decode(text);
    else return null;
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof value.type === 'string'
    ? value
    : null;
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// By hand rather than with TextEncoder and btoa: mini-program runtimes (WeChat, Alipay …) have neither.
function base64Url(text) {
  const bytes = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0);
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += BASE64URL[(n >> 18) & 63] + BASE64URL[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += BASE64URL[(n >> 6) & 63];
    if (i + 2 < bytes.length) out += BASE64URL[n & 63];
  }
  return out;
}

function positive(value, name) {
  if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new RangeError(`${name} must be a positive number of milliseconds`);
  }
  return value;
}

function deferred() {
  const d = { settled: false };
  d.promise = new Promise((resolve, reject) => {
    d.resolve = (v) => { d.settled = true; resolve(v); };
    d.reject = (e) => { d.settled = true; reject(e); };
  });
  // Callers may fire-and-forget start(); a later stop() must not become an unhandled rejection.
  d.promise.catch(() => {});
  return d;
}
