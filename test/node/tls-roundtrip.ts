/**
 * The TLS round trip used by test/node/tls.test.ts in every runtime: connect to a `wss://` URL with
 * nats.ws, create a bucket, put a string and a multi-chunk byte object, get both back, list.
 *
 * - Node and Deno run this file as a script (the URL and bucket as arguments); it prints one JSON
 *   line (a {@link RoundTripResult}) and exits non-zero on failure, with the error as JSON
 *   `{ "error": "..." }` on stdout.
 * - Chromium gets it bundled (esbuild) and calls {@link roundTrip} from the page.
 *
 * Trust is the runtime's business (Node: NODE_EXTRA_CA_CERTS, Deno: --cert, Chromium: an SPKI pin);
 * nothing here relaxes certificate checks.
 */
import { connect } from "nats.ws";
import { objectStoreManager } from "../../src/index.js";

export interface RoundTripResult {
  text: string;
  bytes: number;
  bytesEqual: boolean;
  listed: string[];
}

/** Deterministic pseudo-random payload (so a mismatch is not hidden by a repeating pattern). */
function payload(size: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = 0x2545f491;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export async function roundTrip(url: string, bucket: string): Promise<RoundTripResult> {
  const nc = await connect({ servers: url, reconnect: false, timeout: 5_000 });
  try {
    const mgr = objectStoreManager(nc);
    const os = await mgr.createObjectStore({ bucket });
    await os.putString("hello.txt", `hello over TLS from ${bucket}`);
    // 300 KiB: several 128 KiB chunks, so the chunk stream goes over TLS too.
    const data = payload(300 * 1024);
    await os.putBytes("blob.bin", data);
    const text = await os.getString("hello.txt");
    const back = await os.getBytes("blob.bin");
    const bytesEqual = back.length === data.length && back.every((b, i) => b === data[i]);
    const listed = (await os.list()).map((o) => o.name).sort();
    await mgr.deleteObjectStore(bucket);
    return { text, bytes: back.length, bytesEqual, listed };
  } finally {
    await nc.close();
  }
}

// ---- script mode (Node and Deno) ---------------------------------------------------------------

interface ScriptGlobals {
  Deno?: { args: string[]; exit(code: number): never };
  process?: { argv: string[]; exitCode?: number | undefined };
}
const g = globalThis as ScriptGlobals;
const meta = import.meta as ImportMeta & { main?: boolean };
const argv1 = g.process?.argv?.[1];
const isMain = g.Deno
  ? meta.main === true
  : argv1 !== undefined && decodeURIComponent(new URL(import.meta.url).pathname).endsWith(argv1.replace(/\\/g, "/"));

if (isMain) {
  const args = g.Deno ? g.Deno.args : (g.process?.argv.slice(2) ?? []);
  const [url, bucket = "tls"] = args;
  try {
    if (!url) throw new Error("usage: tls-roundtrip.ts WSS_URL [BUCKET]");
    console.log(JSON.stringify(await roundTrip(url, bucket)));
  } catch (e) {
    const err = e as Error & { code?: string };
    console.log(JSON.stringify({ error: `${err.name}: ${err.message}`, code: err.code }));
    if (g.Deno) g.Deno.exit(1);
    else if (g.process) g.process.exitCode = 1;
  }
}
