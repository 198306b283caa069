/**
 * The connection: server URL and credentials from options or the environment, and a redactor so that
 * no password or token (nor a URL's user:password part) ever reaches the output.
 */
import { connect, type ConnectionOptions, type NatsConnection } from "nats.ws";
import { stringOption, type ParsedArgs } from "./args.js";
import { usageError } from "./exit-codes.js";
import type { Runtime } from "./runtime.js";

export const DEFAULT_SERVER = "ws://127.0.0.1:8080";

/** Where and how to connect. */
export interface ConnectSettings {
  /** The server URL, without credentials (safe to print). */
  server: string;
  user?: string;
  password?: string;
  token?: string;
  timeoutMs: number;
}

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;

/**
 * Normalizes a server URL: `ws://` and `wss://` as given; a bare `host:port` is `ws://` on the loopback
 * interface and `wss://` elsewhere. Credentials in the URL are moved out of it.
 */
export function parseServer(text: string): { server: string; user?: string; password?: string } {
  let t = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) t = `${LOOPBACK.test(t.split("/")[0]!) ? "ws" : "wss"}://${t}`;
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw usageError(`not a server URL: ${redactServerText(text)}`);
  }
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    throw usageError(`${url.protocol}// is not a WebSocket URL: this client connects over WebSockets (ws:// or wss://)`);
  }
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined;
    password = url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    throw usageError(`not a server URL (a bad %-escape in its user or password): ${redactServerText(text)}`);
  }
  url.username = "";
  url.password = "";
  return { server: url.href.replace(/\/$/, ""), user, password };
}

/**
 * A server URL as given on the command line or in `NATS_URL`, fit to show in a message even when it does
 * not parse: everything between the scheme and the last `@` (a user and password, a token, however
 * malformed: with `/`, spaces or `@` in it) becomes `***`.
 */
export function redactServerText(text: string): string {
  const at = text.lastIndexOf("@");
  if (at < 0) return text;
  const scheme = /^\s*[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? "";
  return `${scheme}***${text.slice(at)}`;
}

/** A URL with any `user:password@` removed, for messages. */
export function redactUrl(text: string): string {
  return text.replace(/(\/\/)[^/@\s]*@/g, "$1***@");
}

/** Reads the connection settings from options and environment (options win). */
export function connectSettings(p: ParsedArgs, rt: Runtime, timeoutMs: number): ConnectSettings {
  const fromUrl = parseServer(stringOption(p, "server") ?? rt.env("NATS_URL") ?? DEFAULT_SERVER);
  const pick = (opt: string, env: string) => stringOption(p, opt) ?? (rt.env(env) || undefined);
  const s: ConnectSettings = {
    server: fromUrl.server,
    user: pick("user", "NATS_USER") ?? fromUrl.user,
    password: pick("password", "NATS_PASSWORD") ?? fromUrl.password,
    token: pick("token", "NATS_TOKEN"),
    timeoutMs,
  };
  if (s.password !== undefined && s.user === undefined) throw usageError("a password needs a user (--user or NATS_USER)");
  return s;
}

/** Replaces every secret in `text` with `***`. */
export function redactor(s: ConnectSettings | undefined, extra: string[] = []): (text: string) => string {
  const secrets = [s?.password, s?.token, ...extra].filter((x): x is string => !!x && x.length > 0);
  return (text) => {
    let out = redactUrl(text);
    for (const secret of secrets) out = out.split(secret).join("***");
    return out;
  };
}

/** Opens the connection. Fails fast: no waiting for a server that is not there. */
export function openConnection(s: ConnectSettings): Promise<NatsConnection> {
  if (typeof (globalThis as { WebSocket?: unknown }).WebSocket !== "function") {
    throw new Error("this runtime has no WebSocket: in Node 20 run with --experimental-websocket (bin/natsobj does)");
  }
  const opts: ConnectionOptions = {
    servers: s.server,
    name: "natsobj",
    timeout: s.timeoutMs,
    maxReconnectAttempts: 3,
    reconnectTimeWait: 500,
    ...(s.user !== undefined ? { user: s.user, pass: s.password ?? "" } : {}),
    ...(s.token !== undefined ? { token: s.token } : {}),
  };
  return connect(opts);
}
