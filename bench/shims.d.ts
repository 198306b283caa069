// The ws package ships no types and @types/ws is not installed: the bench uses only its WebSocket class.
declare module "ws" {
  export class WebSocket extends globalThis.WebSocket {
    constructor(url: string, protocols?: string | string[], options?: { headers?: Record<string, string> });
    send(data: unknown, options?: unknown, cb?: (err?: Error) => void): void;
  }
}
