/**
 * Where and how to connect, from the command line, the environment and a `nats` context, and a redactor
 * so that no password, token or seed (nor a URL's user:password part) ever reaches the output.
 *
 * - Server: `--server`, else `NATS_URL`, else the context's `url`, else ws://127.0.0.1:8080.
 * - Authentication comes from one place: the command line and environment (`--user`/`NATS_USER`,
 *   `--password`, `--token`, `--creds`, `--nkey` and the credentials in `--server`/`NATS_URL`) when any
 *   of them is given, else the context (its user, password, token, creds, nkey and the credentials in
 *   its URL). At most one of a user, a creds file and an nkey; a token may go with any.
 * - TLS (TCP only): `--tlsca`, `--tlscert`, `--tlskey` (`NATS_CA`, `NATS_CERT`, `NATS_KEY`), else the
 *   context's `ca`, `cert`, `key`; a `tls://` URL or any of these files makes TLS required.
 */
import { stringOption, type ParsedArgs } from "./args.js";
import { readCreds, readNkey, type FileCredential } from "./credentials.js";
import { usageError } from "./exit-codes.js";
import { examine } from "./local-files.js";
import { contextName, expandHome, loadContext, type NatsContext } from "./nats-context.js";
import type { Runtime } from "./runtime.js";
import { parseServers, redactUrl, type TransportKind } from "./server-url.js";

/** The server when none is given anywhere. */
export const DEFAULT_SERVER = "ws://127.0.0.1:8080";

/** TLS files and mode of a TCP connection. */
export interface TlsSettings {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
  /** The context's `tls_first`: TLS handshake before the server's INFO. */
  handshakeFirst: boolean;
}

/** Where and how to connect. */
export interface ConnectSettings {
  /** The server URLs, comma-separated, without credentials (safe to print). */
  server: string;
  servers: string[];
  transport: TransportKind;
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** A creds or nkey file's contents. */
  credential?: FileCredential | undefined;
  /** TLS is required (TCP): with these files, if any. */
  tls?: TlsSettings | undefined;
  inboxPrefix?: string | undefined;
  /** The JetStream API prefix, from a context's `jetstream_api_prefix` or `jetstream_domain`. */
  apiPrefix?: string | undefined;
  /** The `nats` context used, if any. */
  context?: string | undefined;
  timeoutMs: number;
}

interface AuthSource {
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  creds?: string | undefined;
  nkey?: string | undefined;
}

const hasAuth = (a: AuthSource) => Object.values(a).some((v) => v !== undefined);

async function credentialOf(a: AuthSource, rt: Runtime): Promise<FileCredential | undefined> {
  const kinds = [a.user !== undefined && "a user", a.creds !== undefined && "a creds file", a.nkey !== undefined && "an nkey"].filter(Boolean);
  if (kinds.length > 1) throw usageError(`give one way to log in, not ${kinds.join(" and ")} (--user, --creds or --nkey)`);
  if (a.password !== undefined && a.user === undefined) throw usageError("a password needs a user (--user or NATS_USER)");
  if (a.creds !== undefined) return readCreds(a.creds, rt);
  if (a.nkey !== undefined) return readNkey(a.nkey, rt);
  return undefined;
}

async function tlsFile(path: string | undefined, what: string, rt: Runtime): Promise<string | undefined> {
  if (path === undefined) return undefined;
  const full = expandHome(path, rt);
  if ((await examine(full)).kind !== "file") throw usageError(`no such TLS ${what} file: ${full}`);
  return full;
}

async function tlsSettings(p: ParsedArgs, rt: Runtime, ctx: NatsContext | undefined, tcp: boolean, required: boolean): Promise<TlsSettings | undefined> {
  const pick = (opt: string, env: string) => stringOption(p, opt) ?? (rt.env(env) || undefined);
  const given = { ca: pick("tlsca", "NATS_CA"), cert: pick("tlscert", "NATS_CERT"), key: pick("tlskey", "NATS_KEY") };
  if (!tcp) {
    // a context's TLS files are for its TCP servers: a WebSocket URL given instead goes without them
    if (Object.values(given).some((v) => v !== undefined)) {
      throw usageError("--tlsca, --tlscert and --tlskey are for nats:// and tls:// servers: a wss:// server is trusted through the runtime (NODE_EXTRA_CA_CERTS, deno --cert)");
    }
    return undefined;
  }
  const caFile = await tlsFile(given.ca ?? ctx?.ca, "CA", rt);
  const certFile = await tlsFile(given.cert ?? ctx?.cert, "certificate", rt);
  const keyFile = await tlsFile(given.key ?? ctx?.key, "key", rt);
  if ((certFile === undefined) !== (keyFile === undefined)) throw usageError("a TLS client certificate needs its key, and a key its certificate (--tlscert and --tlskey)");
  const handshakeFirst = ctx?.tlsFirst === true;
  if (!required && !handshakeFirst && caFile === undefined && certFile === undefined) return undefined;
  return { caFile, certFile, keyFile, handshakeFirst };
}

function apiPrefixOf(ctx: NatsContext | undefined): string | undefined {
  if (!ctx) return undefined;
  if (ctx.jetstreamApiPrefix !== undefined && ctx.jetstreamDomain !== undefined) {
    throw usageError(`nats context ${ctx.name} sets both jetstream_api_prefix and jetstream_domain: keep one`);
  }
  if (ctx.jetstreamApiPrefix !== undefined) return ctx.jetstreamApiPrefix.replace(/\.$/, "");
  return ctx.jetstreamDomain === undefined ? undefined : `$JS.${ctx.jetstreamDomain}.API`;
}

/** Reads the connection settings from options, environment and the `nats` context (in that order). */
export async function connectSettings(p: ParsedArgs, rt: Runtime, timeoutMs: number): Promise<ConnectSettings> {
  const name = await contextName(p, rt);
  const ctx = name === undefined ? undefined : await loadContext(name, rt);
  const pick = (opt: string, env: string) => stringOption(p, opt) ?? (rt.env(env) || undefined);
  const serverText = pick("server", "NATS_URL");
  const list = parseServers(serverText ?? ctx?.url ?? DEFAULT_SERVER, serverText === undefined && ctx ? "nats" : "websocket");
  const fromUrl = { user: list.user, password: list.password, token: list.token };

  const given: AuthSource = {
    user: pick("user", "NATS_USER") ?? (serverText !== undefined ? fromUrl.user : undefined),
    password: pick("password", "NATS_PASSWORD") ?? (serverText !== undefined ? fromUrl.password : undefined),
    token: pick("token", "NATS_TOKEN") ?? (serverText !== undefined ? fromUrl.token : undefined),
    creds: pick("creds", "NATS_CREDS"),
    nkey: pick("nkey", "NATS_NKEY"),
  };
  const fromContext: AuthSource = ctx
    ? {
        user: ctx.user ?? (serverText === undefined ? fromUrl.user : undefined),
        password: ctx.password ?? (serverText === undefined ? fromUrl.password : undefined),
        token: ctx.token ?? (serverText === undefined ? fromUrl.token : undefined),
        creds: ctx.creds,
        nkey: ctx.nkey,
      }
    : {};
  const auth = hasAuth(given) ? given : fromContext;
  const tcp = list.transport === "tcp";
  return {
    server: list.servers.join(","),
    servers: list.servers,
    transport: list.transport,
    user: auth.user,
    password: auth.password,
    token: auth.token,
    credential: await credentialOf(auth, rt),
    tls: await tlsSettings(p, rt, ctx, tcp, list.tls),
    inboxPrefix: ctx?.inboxPrefix,
    apiPrefix: apiPrefixOf(ctx),
    context: ctx?.name,
    timeoutMs,
  };
}

/** Replaces every secret in `text` with `***`. */
export function redactor(s: ConnectSettings | undefined, extra: string[] = []): (text: string) => string {
  const secrets = [s?.password, s?.token, s?.credential?.seed, ...extra].filter((x): x is string => !!x && x.length > 0);
  return (text) => {
    let out = redactUrl(text);
    for (const secret of secrets) out = out.split(secret).join("***");
    return out;
  };
}
