/**
 * Invariant 3: after `purgeOrphanChunks({ minAgeMs: 0 })` at a quiescent point, every chunk subject in the
 * stream belongs to a live object's meta (chunks a delete marker still names are a leak the purge never
 * frees), every live object's subject holds exactly its chunk count, and every object read before the
 * purge reads the same after it.
 */
import { readStream } from "./inspect.js";
import type { CheckInput } from "./checker.js";
import { failure, historyOf, putNameOf, readWhole, within, writerOf } from "./observe.js";

/** Purges orphans, checks what remains; returns what the purge removed. */
export async function checkChunks(p: CheckInput, at: string, bytesOf: ReadonlyMap<string, Uint8Array>): Promise<{ subjects: number; messages: number }> {
  const whoWrote = writerOf(p.history);
  const removed = { subjects: 0, messages: 0 };
  const r = await within(p.store.purgeOrphanChunks({ minAgeMs: 0 }), p.readBoundMs);
  if (r.done) {
    removed.subjects = r.value.nuids.length;
    removed.messages = r.value.messages;
    if (r.value.nuids.length > 0) {
      p.log(`${at} purgeOrphanChunks: ${r.value.nuids.length} subjects, ${r.value.messages} messages: ${r.value.nuids.map((n) => `${n} (${whoWrote(n)})`).join(", ")}`);
    }
  } else {
    p.findings.violation({ kind: "purge", detail: `${at} purgeOrphanChunks({ minAgeMs: 0 }) ${failure(r, p.readBoundMs)}` });
  }
  const after = await readStream(p.nc, p.bucket);
  const live = new Map(after.metas.filter((m) => !m.info.deleted && !m.info.options?.link).map((m) => [m.info.nuid ?? "", m]));
  for (const [nuid, count] of after.chunks) {
    if (live.has(nuid)) continue;
    const refs = after.metas.filter((m) => m.info.nuid === nuid).map((m) => `${m.info.deleted ? "delete marker" : "link"} ${m.info.name}`);
    p.findings.violation({
      kind: "orphan-chunks",
      key: `orphan:${nuid}`,
      detail: `${at} ${count} chunks on nuid ${nuid} (${whoWrote(nuid)}) remain after the purge; no live object refers to them` +
        (refs.length ? ` (only: ${refs.join(", ")})` : ""),
      context: refs.length ? refs.flatMap((r) => historyOf(p.history, r.replace(/^(delete marker|link) /, ""), 8)) : undefined,
    });
  }
  for (const [nuid, m] of live) {
    const stored = after.chunks.get(nuid) ?? 0;
    if (stored === (m.info.chunks ?? 0)) continue;
    p.findings.violation({
      kind: "lost-chunks",
      name: m.info.name,
      key: `chunks:${nuid}`,
      detail: `${at} ${m.info.name}: its meta says ${m.info.chunks} chunks on nuid ${nuid} (${whoWrote(nuid)}), the stream holds ${stored}`,
      context: historyOf(p.history, [m.info.name, putNameOf(p.history, nuid)], 24),
    });
  }
  for (const [name, bytes] of bytesOf) {
    const r = await readWhole(p.store, name, p.readBoundMs);
    if (r.ok && Buffer.compare(Buffer.from(r.bytes), Buffer.from(bytes)) === 0) continue;
    p.findings.violation({
      kind: "lost-chunks",
      name,
      key: `purged-live:${name}`,
      detail: `${at} ${name} read whole before the orphan purge, ${r.ok ? "other bytes" : `${r.code}: ${r.message}`} after it`,
      context: historyOf(p.history, name),
    });
  }
  return removed;
}
