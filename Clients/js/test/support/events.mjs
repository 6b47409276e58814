// Bounded waits on a RetroImConnection's events, so no test ever hangs.

/** Resolves with the first event of `type` matching `predicate`, or rejects after timeoutMs. */
export function nextEvent(conn, type, predicate = () => true, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${type}" event within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = conn.on(type, (...args) => {
      if (!predicate(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args.length > 1 ? args : args[0]);
    });
  });
}

/** Resolves once conn.state is `state` (at once if it already is). */
export function waitForState(conn, state, timeoutMs = 10000) {
  if (conn.state === state) return Promise.resolve();
  return nextEvent(conn, 'state', (s) => s === state, timeoutMs).then(() => undefined);
}

/** Records every state change of conn with its info. */
export function recordStates(conn) {
  const log = [];
  conn.on('state', (state, info) => log.push({ state, ...info }));
  return log;
}

/** Rejects after ms unless the promise settles first. */
export function within(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
