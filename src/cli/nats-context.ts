/**
 * The `nats` CLI's contexts (ADR-21), read so that natsobj connects as `nats` does: the context named by
 * `--context` or `NATS_CONTEXT`, else the selected one. Files: `$XDG_CONFIG_HOME/nats/context/NAME.json`
 * (`~/.config` without `XDG_CONFIG_HOME`) and `.../nats/context.txt`, which holds the selected name.
 */
import { stringOption, type ParsedArgs } from "./args.js";
import { usageError } from "./exit-codes.js";
import { joinPath, readLocalFile } from "./local-files.js";
import type { Runtime } from "./runtime.js";

/** What natsobj uses of a context. Paths have `~` expanded. */
export interface NatsContext {
  name: string;
  /** The context's file. */
  file: string;
  /** Comma-separated server URLs (the ADR's default `nats://localhost:4222` when empty). */
  url: string;
  user?: string | undefined;
  password?: string | undefined;
  token?: string | undefined;
  /** A credentials file: a path or a `file://`, `env://` or `data:` URI. */
  creds?: string | undefined;
  /** An nkey seed file: a path or a `file://`, `env://` or `data:` URI. */
  nkey?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  ca?: string | undefined;
  tlsFirst: boolean;
  inboxPrefix?: string | undefined;
  jetstreamDomain?: string | undefined;
  jetstreamApiPrefix?: string | undefined;
}

/** The ADR's default server of a context without a `url`. */
export const CONTEXT_DEFAULT_URL = "nats://localhost:4222";

/** Fields natsobj cannot honour: a context that sets one is refused rather than half used. */
const UNSUPPORTED = ["nsc", "user_jwt", "socks_proxy", "windows_cert_store", "windows_cert_match_by", "windows_cert_match", "windows_ca_certs_match"];

/** The user's home directory, for `~` in paths. */
function home(rt: Runtime): string | undefined {
  return rt.env("HOME") || rt.env("USERPROFILE") || undefined;
}

/** `~/x` as a path in the home directory; other paths as they are. */
export function expandHome(path: string, rt: Runtime): string {
  const h = home(rt);
  if (!h || (path !== "~" && !path.startsWith("~/"))) return path;
  return joinPath(h, path.slice(2));
}

/** The `nats` configuration directory: `$XDG_CONFIG_HOME/nats`, else `~/.config/nats`. */
export function natsConfigDir(rt: Runtime): string | undefined {
  const xdg = rt.env("XDG_CONFIG_HOME");
  if (xdg) return joinPath(xdg, "nats");
  const h = home(rt);
  return h ? joinPath(joinPath(h, ".config"), "nats") : undefined;
}

async function readText(path: string): Promise<string | undefined> {
  const bytes = await readLocalFile(path);
  return bytes && new TextDecoder().decode(bytes);
}

/** The context to use: `--context`, else `NATS_CONTEXT`, else the selected one (`context.txt`), else none. */
export async function contextName(p: ParsedArgs, rt: Runtime): Promise<string | undefined> {
  const given = stringOption(p, "context") ?? (rt.env("NATS_CONTEXT") || undefined);
  if (given !== undefined) return given;
  const dir = natsConfigDir(rt);
  return (dir && (await readText(joinPath(dir, "context.txt")))?.trim()) || undefined;
}

function field(raw: Record<string, unknown>, key: string, file: string): string | undefined {
  const v = raw[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string") throw usageError(`nats context ${file}: "${key}" is not a string`);
  return v;
}

/** Reads the context `name`; a missing or malformed one is a usage error. */
export async function loadContext(name: string, rt: Runtime): Promise<NatsContext> {
  if (!/^[^/\\]+$/.test(name) || name === "." || name === "..") throw usageError(`not a nats context name: ${JSON.stringify(name)}`);
  const dir = natsConfigDir(rt);
  if (!dir) throw usageError(`nats context ${name}: no home directory (HOME) nor XDG_CONFIG_HOME to find it in`);
  const file = joinPath(joinPath(dir, "context"), `${name}.json`);
  const text = await readText(file);
  if (text === undefined) throw usageError(`no nats context ${JSON.stringify(name)}: ${file} does not exist`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw usageError(`nats context ${file} is not JSON: ${(err as Error).message}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw usageError(`nats context ${file} is not a JSON object`);
  const r = raw as Record<string, unknown>;
  const set = UNSUPPORTED.filter((k) => field(r, k, file) !== undefined);
  if (set.length) throw usageError(`nats context ${name} sets ${set.join(", ")}, which natsobj does not support`);
  const path = (key: string) => {
    const v = field(r, key, file);
    return v === undefined ? undefined : expandHome(v, rt);
  };
  if (r.tls_first !== undefined && typeof r.tls_first !== "boolean") throw usageError(`nats context ${file}: "tls_first" is not true or false`);
  return {
    name,
    file,
    url: field(r, "url", file) ?? CONTEXT_DEFAULT_URL,
    user: field(r, "user", file),
    password: field(r, "password", file),
    token: field(r, "token", file),
    creds: path("creds"),
    nkey: path("nkey"),
    cert: path("cert"),
    key: path("key"),
    ca: path("ca"),
    tlsFirst: r.tls_first === true,
    inboxPrefix: field(r, "inbox_prefix", file),
    jetstreamDomain: field(r, "jetstream_domain", file),
    jetstreamApiPrefix: field(r, "jetstream_api_prefix", file),
  };
}
