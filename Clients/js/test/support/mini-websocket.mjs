// A small RFC 6455 client with the browser WebSocket's callback surface, for running the tests under a plain
// `node --test` (Node 20 only has a global WebSocket behind --experimental-websocket). Text frames only; ws:// only.

import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export class MiniWebSocket {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSING = 2;
  static CLOSED = 3;

  readyState = MiniWebSocket.CONNECTING;
  onopen = null;
  onmessage = null;
  onclose = null;
  onerror = null;

  #request;
  #socket = null;
  #buffer = Buffer.alloc(0);
  #fragments = [];
  #finished = false;
  #closeTimer = null;

  constructor(url) {
    const u = new URL(url);
    if (u.protocol !== 'ws:') throw new SyntaxError(`MiniWebSocket supports ws:// only, not ${u.protocol}`);
    const key = randomBytes(16).toString('base64');
    this.#request = request({
      host: u.hostname,
      port: u.port || 80,
      path: u.pathname + u.search,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Key': key, 'Sec-WebSocket-Version': '13' },
    });
    this.#request.on('upgrade', (res, socket, head) => {
      const expected = createHash('sha1').update(key + GUID).digest('base64');
      if (res.headers['sec-websocket-accept'] !== expected || this.readyState !== MiniWebSocket.CONNECTING) {
        socket.destroy();
        this.#fail();
        return;
      }
      this.#socket = socket;
      socket.setNoDelay(true);
      socket.on('data', (chunk) => this.#onData(chunk));
      socket.on('close', () => this.#finish(1006, '', false));
      socket.on('error', () => {});
      this.readyState = MiniWebSocket.OPEN;
      this.#dispatch('onopen', {});
      if (head.length > 0) this.#onData(head);
    });
    this.#request.on('response', (res) => {
      res.resume();
      this.#fail();
    });
    this.#request.on('error', () => this.#fail());
    this.#request.end();
  }

  send(text) {
    if (this.readyState !== MiniWebSocket.OPEN) throw new Error('InvalidStateError: the socket is not open');
    this.#write(0x1, Buffer.from(String(text), 'utf8'));
  }

  close(code = 1000, reason = '') {
    if (this.readyState >= MiniWebSocket.CLOSING) return;
    if (this.readyState === MiniWebSocket.CONNECTING) {
      this.#request.destroy();
      this.#finish(1006, '', false);
      return;
    }
    const why = Buffer.from(reason, 'utf8');
    const payload = Buffer.alloc(2 + why.length);
    payload.writeUInt16BE(code, 0);
    why.copy(payload, 2);
    this.#write(0x8, payload);
    this.readyState = MiniWebSocket.CLOSING;
    // Wait briefly for the server's close frame, then give up on it.
    this.#closeTimer = setTimeout(() => this.#finish(code, reason, false), 1000);
  }

  #fail() {
    if (this.#finished) return;
    this.#dispatch('onerror', { type: 'error' });
    this.#finish(1006, '', false);
  }

  #finish(code, reason, wasClean) {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#closeTimer);
    this.readyState = MiniWebSocket.CLOSED;
    if (this.#socket) this.#socket.destroy();
    this.#dispatch('onclose', { code, reason, wasClean });
  }

  #dispatch(name, event) {
    // Browsers dispatch asynchronously; do the same so callers see consistent ordering.
    setImmediate(() => {
      const handler = this[name];
      if (typeof handler === 'function') handler.call(this, event);
    });
  }

  #write(opcode, payload) {
    if (!this.#socket || this.#socket.destroyed) return;
    const mask = randomBytes(4);
    let header;
    if (payload.length < 126) {
      header = Buffer.from([0x80 | opcode, 0x80 | payload.length]);
    } else if (payload.length < 65536) {
      header = Buffer.alloc(4);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 126;
      header.writeUInt16BE(payload.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x80 | opcode;
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(payload.length), 2);
    }
    const masked = Buffer.alloc(payload.length);
    for (let i = 0; i < payload.length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  #onData(chunk) {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const b = this.#buffer;
      if (b.length < 2) return;
      const fin = (b[0] & 0x80) !== 0;
      const opcode = b[0] & 0x0f;
      const masked = (b[1] & 0x80) !== 0;
      let length = b[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const maskOffset = offset;
      if (masked) offset += 4;
      if (b.length < offset + length) return;
      let payload = b.subarray(offset, offset + length);
      if (masked) {
        const m = b.subarray(maskOffset, maskOffset + 4);
        payload = Buffer.from(payload.map((x, i) => x ^ m[i & 3]));
      }
      this.#buffer = b.subarray(offset + length);
      this.#onFrame(fin, opcode, Buffer.from(payload));
    }
  }

  #onFrame(fin, opcode, payload) {
    if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
      this.#fragments.push(payload);
      if (!fin) return;
      const data = Buffer.concat(this.#fragments).toString('utf8');
      this.#fragments = [];
      if (this.readyState === MiniWebSocket.OPEN) this.#dispatch('onmessage', { data });
    } else if (opcode === 0x8) {
      const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
      if (this.readyState === MiniWebSocket.OPEN) this.#write(0x8, payload.subarray(0, 2));
      this.#finish(code, reason, true);
    } else if (opcode === 0x9) {
      this.#write(0xa, payload);
    }
  }
}

/** The WebSocket the tests use: Node's own when enabled (--experimental-websocket), otherwise MiniWebSocket. */
export const TestWebSocket = typeof globalThis.WebSocket === 'function' ? globalThis.WebSocket : MiniWebSocket;
