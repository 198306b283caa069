/**
 * Credentials from files: a `.creds` file (a user JWT and its nkey seed, as `nsc` and the `nats` tooling
 * write them) or an nkey seed file. Named by a path (`~` expanded) or, as in a `nats` context, a
 * `file://`, `env://NAME` or `data:[;base64],…` URI. A file that is missing or holds no credentials is a
 * usage error, found before connecting.
 */
import { usageError } from "./exit-codes.js";
import { readLocalFile } from "./local-files.js";
import { expandHome } from "./nats-context.js";
import type { Runtime } from "./runtime.js";

/** Credentials read from a file, for the connection's authenticator. */
export interface FileCredential {
  kind: "creds" | "nkey";
  /** Where they came from (a path or URI: safe to print). */
  source: string;
  /** What the authenticator takes: the whole creds file, or the seed. */
  bytes: Uint8Array;
  /** The nkey seed in it (a secret: never printed). */
  seed: string;
}

/** A user nkey seed: `SU` and 56 base32 characters. */
const USER_SEED = /\bSU[A-Z2-7]{56}\b/;
const CREDS_JWT = /-{3,}[^\n]*BEGIN NATS USER JWT[^\n]*-{3,}\s*\n\s*([\w-]+\.[\w-]+\.[\w-]+)/;

function decodeDataUri(uri: string, what: string): Uint8Array {
  const comma = uri.indexOf(",");
  if (comma < 0) throw usageError(`${what}: not a data: URI (no comma)`);
  const head = uri.slice(5, comma);
  const body = uri.slice(comma + 1);
  try {
    if (!/;base64$/i.test(head)) return new TextEncoder().encode(decodeURIComponent(body));
    const bin = atob(body.replace(/\s+/g, ""));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0));
  } catch {
    throw usageError(`${what}: the data: URI does not decode`);
  }
}

/** The bytes a credential reference names. */
async function readReference(ref: string, what: string, rt: Runtime): Promise<Uint8Array> {
  if (/^data:/i.test(ref)) return decodeDataUri(ref, what);
  const env = /^env:\/\/(.+)$/i.exec(ref);
  if (env) {
    const value = rt.env(env[1]!);
    if (!value) throw usageError(`${what} ${ref}: the environment variable ${env[1]} is not set`);
    return new TextEncoder().encode(value);
  }
  let path = ref;
  if (/^file:\/\//i.test(ref)) path = decodeURIComponent(new URL(ref).pathname);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
    throw usageError(`${what} ${ref}: natsobj reads credentials from a path, file://, env:// or data: (not ${ref.split("//")[0]}//)`);
  }
  path = expandHome(path, rt);
  const bytes = await readLocalFile(path).catch((err: Error) => {
    throw usageError(`cannot read the ${what} file ${path}: ${err.message}`);
  });
  if (!bytes) throw usageError(`no such ${what} file: ${path}`);
  return bytes;
}

/** Reads a `.creds` file: it must hold a user JWT and a user seed. */
export async function readCreds(ref: string, rt: Runtime): Promise<FileCredential> {
  const bytes = await readReference(ref, "credentials", rt);
  const text = new TextDecoder().decode(bytes);
  const seed = USER_SEED.exec(text)?.[0];
  if (!CREDS_JWT.test(text) || !seed) throw usageError(`${ref} is not a NATS credentials file (a user JWT and its seed)`);
  return { kind: "creds", source: ref, bytes, seed };
}

/** Reads an nkey seed file: it must hold a user seed (`SU…`). */
export async function readNkey(ref: string, rt: Runtime): Promise<FileCredential> {
  const text = new TextDecoder().decode(await readReference(ref, "nkey", rt));
  const seed = USER_SEED.exec(text)?.[0];
  if (!seed) throw usageError(`${ref} holds no user nkey seed (SU…)`);
  return { kind: "nkey", source: ref, bytes: new TextEncoder().encode(seed), seed };
}
