/** The part of the WHATWG WebSocket the SDK uses: the browser's, Node 22's, and the `ws` package's alike. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

/** The constructor given, else the platform's global one; throws when there is neither (Node 20 without `ws`). */
export function resolveWebSocket(given: WebSocketConstructor | undefined): WebSocketConstructor {
  const found = given ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (found === undefined) {
    throw new Error('no WebSocket: pass createClient({WebSocket}) (in Node 20, the `ws` package)');
  }
  return found;
}
