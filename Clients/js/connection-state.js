// The connection state machine, kept free of sockets and timers so it can be tested on its own.
//
//   closed ──start──▶ connecting ──welcome──▶ open ──lost──▶ reconnecting ──welcome──▶ open
//      ▲                  │ lost: retry, stays connecting        │ lost: retry, stays reconnecting
//      └──── stop / kicked / fatal (from any state) ─────────────┘
//
// "connecting" means this session has not been welcomed yet; "reconnecting" means it was, lost it, and retries.

/** @enum {string} */
export const ConnectionState = Object.freeze({
  Connecting: 'connecting',
  Open: 'open',
  Reconnecting: 'reconnecting',
  Closed: 'closed',
});

/** WebSocket close codes with a meaning for the client (mirrors ImServer's ImCloseCodes). */
export const CloseCodes = Object.freeze({
  Normal: 1000,
  Abnormal: 1006,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  /** Sent by this SDK when the server stopped answering pings (4000–4999 is the application range). */
  HeartbeatTimeout: 4000,
  /** The business forced the client offline: never reconnect by ourselves. */
  Kicked: 4001,
  IdleTimeout: 4002,
});

/**
 * The state after `event` happens in `state`. Unknown combinations keep the state.
 * @param {string} state
 * @param {'start'|'welcome'|'lost'|'stop'|'kicked'|'fatal'} event
 * @returns {string}
 */
export function nextState(state, event) {
  switch (event) {
    case 'start':
      return state === ConnectionState.Closed ? ConnectionState.Connecting : state;
    case 'welcome':
      return state === ConnectionState.Connecting || state === ConnectionState.Reconnecting ? ConnectionState.Open : state;
    case 'lost':
      return state === ConnectionState.Open ? ConnectionState.Reconnecting : state;
    case 'stop':
    case 'kicked':
    case 'fatal':
      return ConnectionState.Closed;
    default:
      return state;
  }
}

/**
 * Whether a socket closed with `code` should be reopened by the SDK. Everything is retried (1012 restarts,
 * 1013 overload, 1006 network loss, idle timeouts, even protocol errors, which a fresh socket clears) except a kick.
 * @param {number|undefined} code
 */
export function shouldReconnect(code) {
  return code !== CloseCodes.Kicked;
}
