/** Helpers of the checks: a bounded whole read through the library, and the history in words. */
import type { ObjectStore } from "../../src/index.js";
import { classify, formatOp, type History } from "./history.js";

/** How a bounded call ended: its value, its error, or still running after the bound. */
export type Bounded<T> = { done: true; value: T } | { done: false; error: unknown } | { done: false; hung: true };

/** Awaits `work` for at most `ms` (it is left running past that, its later failure ignored). */
export async function within<T>(work: Promise<T>, ms: number): Promise<Bounded<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<Bounded<T>>((r) => (timer = setTimeout(() => r({ done: false, hung: true }), ms)));
  const settled = work.then(
    (value): Bounded<T> => ({ done: true, value }),
    (error: unknown): Bounded<T> => ({ done: false, error }),
  );
  const r = await Promise.race([settled, hung]);
  clearTimeout(timer);
  return r;
}

/** A bounded call's failure in words. */
export function failure(r: Bounded<unknown>, ms: number): string {
  if (r.done) return "ok";
  if ("hung" in r) return `did not settle within ${ms} ms`;
  const c = classify(r.error);
  return `failed: ${c.code}: ${c.message}`;
}

/** A read's outcome. */
export type ReadResult = { ok: true; bytes: Uint8Array } | { ok: false; code: string; message: string };

/** Reads an object whole through the library, bounded. */
export async function readWhole(store: ObjectStore, name: string, boundMs: number): Promise<ReadResult> {
  const r = await within((async () => (await store.get(name)).bytes())(), boundMs);
  if (r.done) return { ok: true, bytes: r.value };
  if ("hung" in r) return { ok: false, code: "HUNG", message: `get did not settle within ${boundMs} ms` };
  const c = classify(r.error);
  return { ok: false, code: c.code, message: c.message };
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

