/** Helpers of the checks: a bounded whole read through the library, and the history in words. */
import type { ObjectStore } from "../../src/index.js";
import { classify, formatOp, type History } from "./history.js";

/** A read's outcome. */
export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; code: string; message: string };

/** Reads an object whole through the library, bounded. */
export async function readWhole(store: ObjectStore, name: string, boundMs: number): Promise<ReadResult> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<ReadResult>((r) => {
    timer = setTimeout(() => r({ ok: false, code: "HUNG", message: `get did not settle within ${boundMs} ms` }), boundMs);
  });
  const read = (async (): Promise<ReadResult> => {
    try {
      return { ok: true, bytes: await (await store.get(name)).bytes() };
    } catch (err) {
      const c = classify(err);
      return { ok: false, code: c.code, message: c.message };
    }
  })();
  const r = await Promise.race([read, hung]);
  clearTimeout(timer);
  return r;
}

/** The history lines of the last `n` writes that touched any of `names` (as source, target or link). */
export function historyOf(history: History, names: string | readonly (string | undefined)[], n = 16): string[] {
  const set = new Set(typeof names === "string" ? [names] : names.filter((x): x is string => x !== undefined));
  return history.ops
    .filter((o) => o.kind !== "get" && (set.has(o.name) || (o.to !== undefined && set.has(o.to))))
    .sort((a, b) => a.invokedAt - b.invokedAt)
    .slice(-n)
    .map(formatOp);
}

/** The name of the acknowledged put that wrote a nuid, if one did. */
export function putNameOf(history: History, nuid: string): string | undefined {
  return history.ops.find((o) => o.kind === "put" && o.outcome === "ok" && o.nuid === nuid)?.name;
}

/** Who wrote a nuid, in words. */
export function writerOf(history: History): (nuid: string) => string {
  const putOfNuid = new Map(history.ops.filter((o) => o.kind === "put" && o.outcome === "ok" && o.nuid).map((o) => [o.nuid!, o]));
  return (nuid) => {
    const put = putOfNuid.get(nuid);
    return put ? `put c${put.client}.${put.key % 100_000} of ${put.name}` : "no acknowledged put";
  };
}

