// A WeChat-style `wx` object whose connectSocket returns a SocketTask backed by a real socket (Node's WebSocket under
// --experimental-websocket, else MiniWebSocket). It follows the documented SocketTask behaviour the adapter relies
// on: callbacks registered with onOpen/onMessage/onClose/onError, send({data}) and close({code, reason}) taking
// success/fail callbacks, and close codes limited to 1000 and 3000–4999.

import { TestWebSocket } from './mini-websocket.mjs';

export function createWx() {
  const calls = [];
  const tasks = [];
  const wx = {
    calls,
    tasks,
    connectSocket(options) {
      calls.push({ ...options });
      const handlers = { open: [], message: [], close: [], error: [] };
      const emit = (kind, res) => { for (const cb of handlers[kind]) cb(res); };
      const ws = new TestWebSocket(options.url);
      ws.onopen = () => emit('open', { header: {} });
      ws.onmessage = (event) => emit('message', { data: event.data });
      ws.onclose = (event) => emit('close', { code: event.code, reason: event.reason });
      ws.onerror = () => emit('error', { errMsg: 'connectSocket:fail network error' });
      const task = {
        closes: [],
        sends: 0,
        onOpen: (cb) => handlers.open.push(cb),
        onMessage: (cb) => handlers.message.push(cb),
        onClose: (cb) => handlers.close.push(cb),
        onError: (cb) => handlers.error.push(cb),
        send({ data, success, fail }) {
          if (ws.readyState !== 1 || typeof data !== 'string') {
            fail?.({ errMsg: 'sendSocketMessage:fail' });
            return;
          }
          task.sends++;
          ws.send(data);
          success?.({ errMsg: 'sendSocketMessage:ok' });
        },
        close({ code = 1000, reason = '', success, fail } = {}) {
          task.closes.push({ code, reason });
          if (!(code === 1000 || (code >= 3000 && code <= 4999))) {
            fail?.({ errMsg: `closeSocket:fail invalid code ${code}` });
            return;
          }
          ws.close(code, reason);
          success?.({ errMsg: 'closeSocket:ok' });
        },
      };
      tasks.push(task);
      queueMicrotask(() => options.success?.({ errMsg: 'connectSocket:ok' }));
      return task;
    },
  };
  return wx;
}
