// Mini-program adapter: a WebSocket constructor over the SocketTask API the mini-program platforms share
// (WeChat wx.connectSocket, Alipay my.connectSocket, ByteDance tt.connectSocket, Baidu swan.connectSocket, QQ
// qq.connectSocket …), so RetroImConnection runs there unchanged: pass it as the `WebSocket` option.
//
//   import { RetroImConnection } from '../retroim.js';
//   import { wxWebSocket } from './adapters/miniprogram.js';
//   const conn = new RetroImConnection({ getConnectUrl, WebSocket: wxWebSocket() });
//
// SocketTask shape: connectSocket({url, header, protocols, …}) returns a task with onOpen/onMessage/onClose/onError
// (callback registration), send({data, success, fail}) and close({code, reason, success, fail}). The adapter
// presents the subset of the browser WebSocket the SDK uses: readyState, send(text), close(code, reason) and the
// onopen/onmessage/onclose/onerror properties with browser-like event objects.

/* global wx, my, tt, swan, qq */
// The platform objects are read as free identifiers, not globalThis.wx: mini-program runtimes pass `wx` into each
// module's wrapper, where it need not be a property of the global object.

const CONNECTING = 0;
const OPEN = 1;
const CLOSING = 2;
const CLOSED = 3;

/**
 * Returns a WebSocket-compatible constructor backed by `api.connectSocket` (`api` is `wx`, `my`, `tt`, …).
 * @param {{connectSocket: Function}} api the platform's global API object
 * @param {{connectOptions?: object, header?: object}} [options] extra fields for every connectSocket call
 *   (e.g. `{multiple: true}` on Alipay, `{tcpNoDelay: true}` on WeChat) and request headers
 */
export function miniProgramWebSocket(api, options = {}) {
  if (!api || typeof api.connectSocket !== 'function') {
    throw new TypeError('miniProgramWebSocket needs the platform API object with connectSocket (wx, my, tt, swan, qq …)');
  }
  const extra = { ...(options.connectOptions ?? {}) };
  const header = options.header;

  return class MiniProgramWebSocket {
    static CONNECTING = CONNECTING;
    static OPEN = OPEN;
    static CLOSING = CLOSING;
    static CLOSED = CLOSED;

    readyState = CONNECTING;
    onopen = null;
    onmessage = null;
    onclose = null;
    onerror = null;
    url;
    #task;
    #closed = false;

    constructor(url, protocols) {
      this.url = url;
      const request = { ...extra, url };
      if (header) request.header = { ...header };
      if (protocols !== undefined) request.protocols = Array.isArray(protocols) ? protocols : [protocols];
      // Platforms report a connectSocket failure through `fail` and, usually, onError/onClose as well; the first
      // one wins and the rest are ignored.
      request.fail = (res) => this.#fail(res);
      const task = api.connectSocket(request);
      if (!task || typeof task.onOpen !== 'function') {
        // Older Alipay runtimes return no SocketTask unless asked for one: pass connectOptions {multiple: true}.
        throw new TypeError('connectSocket returned no SocketTask (on Alipay pass connectOptions: {multiple: true})');
      }
      this.#task = task;
      task.onOpen(() => {
        if (this.readyState !== CONNECTING) return;
        this.readyState = OPEN;
        this.onopen?.({ type: 'open' });
      });
      task.onMessage((res) => {
        if (this.readyState !== OPEN) return;
        this.onmessage?.({ type: 'message', data: messageData(res) });
      });
      task.onError((res) => this.#fail(res));
      task.onClose((res) => this.#finish(closeCode(res?.code), res?.reason ?? ''));
    }

    /** Sends a text frame. Throws while connecting, as the browser does; a failed send surfaces as an error. */
    send(data) {
      if (this.readyState === CONNECTING) throw new Error('InvalidStateError: the socket is still connecting');
      if (this.readyState !== OPEN) return;
      this.#task.send({ data, fail: (res) => this.#fail(res) });
    }

    /**
     * Starts the closing handshake. Platforms accept only 1000 and 3000–4999 from the app, so another code (say, a
     * reserved one) goes out as 1000; the reason is kept.
     */
    close(code = 1000, reason = '') {
      if (this.readyState === CLOSING || this.readyState === CLOSED) return;
      this.readyState = CLOSING;
      const sendable = code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000;
      this.#task.close({
        code: sendable,
        reason: String(reason ?? ''),
        // No close event will follow a refused close on some platforms: finish here so the SDK never waits on it.
        fail: () => this.#finish(1006, ''),
      });
    }

    #fail(res) {
      if (this.#closed) return;
      this.onerror?.({ type: 'error', message: res?.errMsg ?? 'socket error' });
      // Not every platform follows an error with onClose: finish now; a later onClose is then ignored.
      this.#finish(1006, res?.errMsg ?? '');
    }

    #finish(code, reason) {
      if (this.#closed) return;
      this.#closed = true;
      this.readyState = CLOSED;
      this.onclose?.({ type: 'close', code, reason, wasClean: code !== 1006 });
    }
  };
}

/** WeChat: `wx.connectSocket`. */
export const wxWebSocket = (options) => miniProgramWebSocket(typeof wx === 'undefined' ? undefined : wx, options);

/** Alipay: `my.connectSocket`, asked for a SocketTask (`multiple: true`). */
export const myWebSocket = (options = {}) =>
  miniProgramWebSocket(typeof my === 'undefined' ? undefined : my, { ...options, connectOptions: { multiple: true, ...(options.connectOptions ?? {}) } });

/** ByteDance (Douyin, Toutiao): `tt.connectSocket`. */
export const ttWebSocket = (options) => miniProgramWebSocket(typeof tt === 'undefined' ? undefined : tt, options);

/** Baidu: `swan.connectSocket`. */
export const swanWebSocket = (options) => miniProgramWebSocket(typeof swan === 'undefined' ? undefined : swan, options);

/** QQ: `qq.connectSocket`. */
export const qqWebSocket = (options) => miniProgramWebSocket(typeof qq === 'undefined' ? undefined : qq, options);

function messageData(res) {
  const data = res?.data;
  // Some runtimes wrap the payload once more ({data: {data, isBuffer}}); the server only sends text.
  if (data !== null && typeof data === 'object' && !(data instanceof ArrayBuffer) && typeof data.data === 'string') return data.data;
  if (data instanceof ArrayBuffer) return utf8Decode(new Uint8Array(data));
  return data;
}

function closeCode(code) {
  return Number.isInteger(code) && code > 0 ? code : 1006;
}

/** UTF-8 bytes to text, for runtimes without TextDecoder. */
function utf8Decode(bytes) {
  if (typeof TextDecoder === 'function') return new TextDecoder().decode(bytes);
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const b = bytes[i++];
    let cp = b;
    if (b >= 0xf0) cp = ((b & 0x07) << 18) | ((bytes[i++] & 0x3f) << 12) | ((bytes[i++] & 0x3f) << 6) | (bytes[i++] & 0x3f);
    else if (b >= 0xe0) cp = ((b & 0x0f) << 12) | ((bytes[i++] & 0x3f) << 6) | (bytes[i++] & 0x3f);
    else if (b >= 0xc0) cp = ((b & 0x1f) << 6) | (bytes[i++] & 0x3f);
    out += String.fromCodePoint(cp);
  }
  return out;
}
