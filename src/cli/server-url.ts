/**
 * Server URLs: a comma-separated list of `nats://`, `tls://` (TCP) or `ws://`, `wss://` (WebSocket) URLs,
 * all of one transport. Credentials in a URL are moved out of it (`user:password@`, or a lone `token@` as
 * the NATS clients read it), so the URLs left are safe to print.
 */
import { usageError } from "./exit-codes.js";

/** How the CLI reaches the server. */
export type TransportKind = "websocket" | "tcp";

/** A parsed server list. */
export interface ServerList {
  /** The URLs, without credentials. */
  servers: string[];
  transport: TransportKind;
  /** A `tls://` URL: TLS is required (TCP). `wss://` is TLS by its scheme alone. */
  tls: boolean;
  user?: string | undefined;
  password?: string | undefined;
  /** A URL with a user part and no password: the NATS clients' token form (`nats://TOKEN@host`). */
  token?: string | undefined;
}

/** How a URL without a scheme is read. */
export type BareHost =
  /** `ws://` on the loopback interface, `wss://` elsewhere (`--server`, `NATS_URL`: this CLI's old default). */
  | "websocket"
  /** `nats://` (a `nats` CLI context, whose URLs are all TCP). */
  | "nats";

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?$/i;
const SCHEMES: Record<string, { transport: TransportKind; tls: boolean }> = {
  "ws:": { transport: "websocket", tls: false },
  "wss:": { transport: "websocket", tls: false },
  "nats:": { transport: "tcp", tls: false },
  "tls:": { transport: "tcp", tls: true },
};

interface OneServer {
  url: string;
  transport: TransportKind;
  tls: boolean;
  user?: string | undefined;
  password?: string | undefined;
}

function parseOne(text: string, bare: BareHost, whole: string): OneServer {
  let t = text.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    const scheme = bare === "nats" ? "nats" : LOOPBACK.test(t.split("/")[0]!) ? "ws" : "wss";
    t = `${scheme}://${t}`;
  }
  let url: URL;
  try {
    url = new URL(t);
  } catch {
    throw usageError(`not a server URL: ${redactServerText(whole)}`);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw usageError(`${url.protocol}// is not a server URL scheme: use nats://, tls:// (TCP), ws:// or wss:// (WebSocket)`);
  if (!url.hostname) throw usageError(`not a server URL (no host): ${redactServerText(whole)}`);
  let user: string | undefined;
  let password: string | undefined;
  try {
    user = url.username ? decodeURIComponent(url.username) : undefined;
    password = url.password ? decodeURIComponent(url.password) : undefined;
  } catch {
    throw usageError(`not a server URL (a bad %-escape in its user or password): ${redactServerText(whole)}`);
  }
  url.username = "";
  url.password = "";
  return { url: url.href.replace(/\/$/, ""), ...scheme, user, password };
}

/** Parses a server list (`--server`, `NATS_URL`, a context's `url`). */
export function parseServers(text: string, bare: BareHost): ServerList {
  const parts = text.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw usageError("no server URL given");
  const all = parts.map((part) => parseOne(part, bare, text));
  const first = all[0]!;
  if (all.some((s) => s.transport !== first.transport)) {
    throw usageError("a server list mixes WebSocket (ws://, wss://) and TCP (nats://, tls://) URLs: give one kind");
  }
  const withUser = all.find((s) => s.user !== undefined);
  const tokenOnly = withUser !== undefined && withUser.password === undefined;
  return {
    servers: all.map((s) => s.url),
    transport: first.transport,
    tls: all.some((s) => s.tls),
    user: tokenOnly ? undefined : withUser?.user,
    password: withUser?.password,
    token: tokenOnly ? withUser.user : undefined,
  };
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
