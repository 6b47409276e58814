// Types for adapters/miniprogram.js: RetroImConnection on mini-program SocketTasks (wx, my, tt, swan, qq).
import type { WebSocketLike } from '../retroim.js';

/** The callback-style result objects mini-program APIs pass to success/fail. */
export interface MiniProgramResult {
  errMsg?: string;
  [key: string]: unknown;
}

/** The SocketTask shared by mini-program platforms (WeChat's documented shape). */
export interface SocketTask {
  onOpen(callback: (res: { header?: Record<string, string> }) => void): void;
  onMessage(callback: (res: { data: string | ArrayBuffer }) => void): void;
  onClose(callback: (res: { code?: number; reason?: string }) => void): void;
  onError(callback: (res: MiniProgramResult) => void): void;
  send(options: { data: string | ArrayBuffer; success?: (res: MiniProgramResult) => void; fail?: (res: MiniProgramResult) => void }): void;
  close(options: { code?: number; reason?: string; success?: (res: MiniProgramResult) => void; fail?: (res: MiniProgramResult) => void }): void;
}

/** What the adapter needs from the platform API object (`wx`, `my`, `tt`, …). */
export interface MiniProgramSocketApi {
  connectSocket(options: {
    url: string;
    header?: Record<string, string>;
    protocols?: string[];
    success?: (res: MiniProgramResult) => void;
    fail?: (res: MiniProgramResult) => void;
    [platformOption: string]: unknown;
  }): SocketTask | undefined;
}

export interface MiniProgramWebSocketOptions {
  /** Extra connectSocket fields on every attempt, e.g. `{ tcpNoDelay: true }` (WeChat) or `{ multiple: true }` (Alipay). */
  connectOptions?: Record<string, unknown>;
  /** Request headers for the WebSocket upgrade (the connect URL's token is all ImServer needs). */
  header?: Record<string, string>;
}

/** A WebSocket constructor for RetroImConnection's `WebSocket` option. */
export interface MiniProgramWebSocketConstructor {
  new (url: string, protocols?: string | string[]): WebSocketLike & { readonly url: string };
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
}

/** Wraps `api.connectSocket` (any platform with the SocketTask shape) as a WebSocket constructor. */
export function miniProgramWebSocket(api: MiniProgramSocketApi, options?: MiniProgramWebSocketOptions): MiniProgramWebSocketConstructor;
/** WeChat (`globalThis.wx`). */
export function wxWebSocket(options?: MiniProgramWebSocketOptions): MiniProgramWebSocketConstructor;
/** Alipay (`globalThis.my`), with `multiple: true` so connectSocket returns a SocketTask. */
export function myWebSocket(options?: MiniProgramWebSocketOptions): MiniProgramWebSocketConstructor;
/** ByteDance: Douyin, Toutiao (`globalThis.tt`). */
export function ttWebSocket(options?: MiniProgramWebSocketOptions): MiniProgramWebSocketConstructor;
/** Baidu (`globalThis.swan`). */
export function swanWebSocket(options?: MiniProgramWebSocketOptions): MiniProgramWebSocketConstructor;
/** QQ (`globalThis.qq`). */
export function qqWebSocket(options?: MiniProgramWebSocketOptions): MiniProgramWebSocketConstructor;
