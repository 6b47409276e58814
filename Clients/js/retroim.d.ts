// Type declarations for @retroim/client (retroim.js). Keep in step with the wire protocol in the ImServer README.

/** Connection states. "connecting": not welcomed yet in this session; "reconnecting": was welcomed, lost it. */
export type ConnectionStateName = 'connecting' | 'open' | 'reconnecting' | 'closed';

export declare const ConnectionState: Readonly<{
  Connecting: 'connecting';
  Open: 'open';
  Reconnecting: 'reconnecting';
  Closed: 'closed';
}>;

/** WebSocket close codes the relay and this SDK use. */
export declare const CloseCodes: Readonly<{
  Normal: 1000;
  Abnormal: 1006;
  PolicyViolation: 1008;
  MessageTooBig: 1009;
  ServiceRestart: 1012;
  TryAgainLater: 1013;
  /** Sent by the SDK when no welcome or no pong arrived in time. */
  HeartbeatTimeout: 4000;
  /** Forced offline by the business: the SDK does not reconnect. */
  Kicked: 4001;
  IdleTimeout: 4002;
}>;

export interface BackoffOptions {
  /** Ceiling of the first retry delay. Default 500. */
  initialMs: number;
  /** Largest delay. Default 15000. */
  maxMs: number;
  /** Growth per attempt. Default 2. */
  factor: number;
  /** Fraction (0–1) of the delay removed at random. Default 0.5. */
  jitter: number;
}

export declare const DEFAULT_BACKOFF: Readonly<BackoffOptions>;
export declare function normalizeBackoff(options?: Partial<BackoffOptions>): Readonly<BackoffOptions>;
/** min(maxMs, initialMs·factor^attempt) · (1 − jitter·random()), rounded; attempt 0 is the first retry. */
export declare function computeBackoffDelay(attempt: number, options?: Partial<BackoffOptions>, random?: () => number): number;

export type StateEvent = 'start' | 'welcome' | 'lost' | 'stop' | 'kicked' | 'fatal';
export declare function nextState(state: ConnectionStateName, event: StateEvent): ConnectionStateName;
/** False only for 4001 (kicked). */
export declare function shouldReconnect(code: number | undefined): boolean;
export declare function parseEnvelope(data: unknown): Envelope | null;

/** The minimal WebSocket surface the SDK uses (browsers, Node's WebSocket, the 'ws' package, mini-program shims). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** "websocket", or "sse" (server-sent events down, HTTP POST up: the fallback for networks that block WebSockets). */
export type Transport = 'websocket' | 'sse';

/** The SSE transport behind the WebSocket surface the SDK uses; takes a ws(s)://…/ws?token= connect URL. */
export declare class SseSocket implements WebSocketLike {
  constructor(url: string, options?: { fetch?: typeof fetch });
  readonly url: string;
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

/** Maps ws(s)://host/…/ws?token=… to http(s)://host/…/sse?token=…. */
export declare function toSseUrl(connectUrl: string): string;

export interface RetroImConnectionOptions {
  /** Returns a fresh connect URL (ws:// or wss://, single-use token). Called before every attempt.
   *  Throw an error with `retry: false` (e.g. on HTTP 401) to give up instead of retrying. */
  getConnectUrl: () => Promise<string> | string;
  /** Default globalThis.WebSocket. */
  WebSocket?: WebSocketConstructor;
  /** Transports to use, in order of preference. Default ['websocket', 'sse']: server-sent events down and HTTP POST
   *  up (GET /sse, POST /sse/send on the same node) when WebSockets are blocked. ['sse'] skips the WebSocket. */
  transports?: Transport[];
  /** Consecutive WebSocket attempts that never got a welcome before falling back to SSE (for the rest of the
   *  session). Default 2. Without a WebSocket implementation SSE is used at once. */
  fallbackAfter?: number;
  /** fetch for the SSE transport. Default globalThis.fetch. */
  fetch?: typeof fetch;
  /** How often to send {"type":"ping"}. Default 20000. */
  pingIntervalMs?: number;
  /** A socket with no frame for this long after a ping is dead: it is closed (4000) and reopened. Default 10000. */
  pongTimeoutMs?: number;
  /** An attempt without a welcome for this long is abandoned and retried. Default 15000. */
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffOptions>;
  /** Random source for the jitter (tests). Default Math.random. */
  random?: () => number;
  /** Present the last position of every stream when reconnecting, so the node replays what was missed. Default true. */
  recover?: boolean;
  /** Acknowledge every direct message after its "message" handlers ran (see ack()). Default false. */
  ack?: boolean;
}

/** A position in a message stream: "c:<clientId>" (direct messages) or "ch:<chan>" (a channel). */
export interface StreamPosition {
  stream: string;
  /** Changes when the server lost the stream's sequence: offsets of another epoch cannot be compared. */
  epoch: string;
  /** 1, 2, 3… within the epoch. */
  offset: number;
}

export interface Welcome {
  clientId: string;
  connectionId: string;
  node: string;
}

export interface WelcomeEnvelope extends Welcome {
  type: 'welcome';
}

export interface MessageEnvelope<T = unknown> {
  type: 'message';
  id: string;
  from: string | null;
  chan: string | null;
  /** Unix milliseconds at the sender. */
  ts: number;
  /** The business payload. */
  data: T;
  /** The message's position; absent on broadcasts. */
  pos?: StreamPosition;
}

/** Sent after the replay of a reconnect that presented positions: what was replayed per stream. */
export interface RecoveredEnvelope {
  type: 'recovered';
  streams: Array<StreamPosition & { replayed: number }>;
}

/** A stream could not be replayed: refetch the state it feeds. epoch/offset: its current position (null epoch when
 *  unknown). reason: "expired" (gap beyond retention) | "epoch_changed" | "not_member" | "unavailable" | "invalid". */
export interface RecoverFailedEnvelope {
  type: 'recover_failed';
  stream: string;
  reason: string;
  epoch: string | null;
  offset: number;
}

export interface PongEnvelope {
  type: 'pong';
}

export interface ErrorEnvelope {
  type: 'error';
  /** "bad_json" | "unknown_type" | … */
  code: string;
  message: string;
}

export interface UnknownEnvelope {
  type: string;
  [key: string]: unknown;
}

export type Envelope = WelcomeEnvelope | MessageEnvelope | PongEnvelope | ErrorEnvelope | RecoveredEnvelope | RecoverFailedEnvelope | UnknownEnvelope;

export interface StateChangeInfo {
  previous: ConnectionStateName;
  /** Close code of the socket that was lost, when there was one. */
  code?: number;
  reason?: string;
  /** Why an attempt failed before a socket existed (getConnectUrl threw, bad URL, …). */
  error?: unknown;
}

export interface RetryInfo {
  /** 0 for the first retry since the last welcome. */
  attempt: number;
  delayMs: number;
  code?: number;
  reason?: string;
  error?: unknown;
}

export interface RetroImEventMap {
  welcome: WelcomeEnvelope;
  message: MessageEnvelope;
  pong: PongEnvelope;
  error: ErrorEnvelope;
  recovered: RecoveredEnvelope;
  recover_failed: RecoverFailedEnvelope;
  '*': Envelope;
}

export declare class RetroImConnection {
  constructor(options: RetroImConnectionOptions);
  readonly state: ConnectionStateName;
  /** The transport of the current (or next) attempt. */
  readonly transport: Transport;
  /** The last welcome, or null before the first. */
  readonly welcome: Welcome | null;
  /** The last position seen per stream; presented on the next reconnect. A message at or below a seen position
   *  (same epoch) is dropped, never emitted. */
  readonly positions: StreamPosition[];
  /** Forgets every position: the next connect replays nothing. */
  forgetPositions(): void;
  /** Sends {"type":"ack","stream","offset"} for a direct message (envelope or its pos), so a sender waiting with
   *  receipt: true sees it in SendReceipt.Acked. Returns false when not open or not a direct message. */
  ack(message: MessageEnvelope | StreamPosition): boolean;
  /** Connects and keeps the connection up until stop(); resolves with the first welcome of this session and rejects
   *  if the session ends first (stop(), kicked, or getConnectUrl threw with retry: false). */
  start(): Promise<Welcome>;
  /** Closes the socket (1000) and stops reconnecting. */
  stop(): void;
  /** Sends a frame (objects are JSON-encoded, strings go verbatim). Returns false unless open. */
  send(frame: object | string): boolean;
  /** Sends {"type":"event","event":name,"data":data} to the business; needs the right event.<name>
   * (else an "error" envelope with code "forbidden" arrives). Returns false unless open. */
  sendEvent(name: string, data?: unknown): boolean;
  on(type: 'state', handler: (state: ConnectionStateName, info: StateChangeInfo) => void): () => void;
  on(type: 'retry', handler: (info: RetryInfo) => void): () => void;
  on<K extends keyof RetroImEventMap>(type: K, handler: (envelope: RetroImEventMap[K]) => void): () => void;
  on(type: string, handler: (envelope: UnknownEnvelope) => void): () => void;
}
