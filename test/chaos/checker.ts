/**
 * The invariants, checked at every quiescent point of a campaign (after each fault, with every client
 * paused and nothing in flight, and at the end with every client gone):
 *
 * 0. list() shows exactly the live metas the stream holds (read directly, inspect.ts), each once;
 * 1. every live object is readable (the library verifies size, chunks and digest) and its bytes are
 *    exactly those of a put; a link to a live object reads as that object, any other link rejects with
 *    a typed error;
 * 2. every name's state (absent, an object, a link) is one the history explains ({@link Model}): no
 *    acknowledged write disappeared without a write of that name that may come after it;
 * 3. after `purgeOrphanChunks({ minAgeMs: 0 })`, no orphan chunks remain and no live object lost a chunk
 *    (orphans.ts);
 * 4. no two live metas share a nuid.
 *
 * The state checked is the stream's own, read directly; the library is used to read the objects, list
 * them and purge orphans.
 */
import type { NatsConnection } from "nats.ws";
import type { ObjectInfo, ObjectStore } from "../../src/index.js";
import { attribute } from "./content.js";
import type { History, OpRecord } from "./history.js";
import { readStream, type RawMeta } from "./inspect.js";
import { describe, Model, type Value } from "./model.js";
import { checkChunks } from "./orphans.js";
import { failure, historyOf, putNameOf, readWhole, within, writerOf } from "./observe.js";
import { emptyPuts } from "./reads.js";
import type { Findings } from "./violations.js";

/** What a check needs. */
export interface CheckInput {
  readonly store: ObjectStore;
  /** A connection for direct reads of the stream. */
  readonly nc: NatsConnection;
  readonly bucket: string;
  readonly names: readonly string[];
  readonly seed: number;
  readonly history: History;
  readonly findings: Findings;
  readonly log: (line: string) => void;
  /** A read still unsettled after this long is reported (as a hang). */
  readonly readBoundMs: number;
}

/** What a check saw. */
export interface StateSummary {
  /** Live objects (not links), links, and names absent. */
  objects: number;
  links: number;
  absent: number;
  /** Chunk subjects and messages the orphan purge removed. */
  purgedSubjects: number;
  purgedMessages: number;
}

/** Runs invariants 1-4 at one quiescent point (`label`: "checkpoint 3", "final"); returns what it saw. */
export async function checkState(p: CheckInput, label: string): Promise<StateSummary> {
  const { store, history, findings, names } = p;
  const at = `[${label} +${(history.now() / 1000).toFixed(1)}s]`;
  const model = new Model(history);
  const whoWrote = writerOf(history);
  const putOfNuid = new Map<string, OpRecord>(history.ops.filter((o) => o.kind === "put" && o.outcome === "ok" && o.nuid).map((o) => [o.nuid!, o]));
  const summary: StateSummary = { objects: 0, links: 0, absent: 0, purgedSubjects: 0, purgedMessages: 0 };

  const l = await within(store.list(), p.readBoundMs);
  const listed: ObjectInfo[] = l.done ? l.value : [];
  if (!l.done) findings.violation({ kind: "list", key: `list-failed:${label}`, detail: `${at} list() ${failure(l, p.readBoundMs)}` });
  const raw = await readStream(p.nc, p.bucket);
  const rawLive = raw.metas.filter((m) => !m.info.deleted);
  const listedNames = listed.map((i) => i.name).sort();
  const rawNames = rawLive.map((m) => m.info.name ?? `?${m.subject}`).sort();
  if (l.done && JSON.stringify(listedNames) !== JSON.stringify(rawNames)) {
    findings.violation({ kind: "list", detail: `${at} list() shows [${listedNames.join(", ")}], the stream's live metas are [${rawNames.join(", ")}]` });
  }
  // the state checked is the stream's own (a wrong list() is the violation above, not a lost write)
  const live = rawLive.map(toLive);
  p.log(`${at} live: ${live.map((m) => `${m.name}${m.link ? `->${m.link.name}` : ""} (${m.nuid}, ${m.chunks} chunks, rev ${m.revision})`).join(", ") || "none"}`);

  // invariant 1: readable, and the bytes of a put
  const byName = new Map(live.map((m) => [m.name, m]));
  const observed = new Map<string, Value | undefined>();
  const bytesOf = new Map<string, Uint8Array>();
  const empties = emptyPuts(history);
  for (const m of live) {
    if (!names.includes(m.name)) {
      findings.violation({ kind: "list", name: m.name, key: `list:${m.name}`, detail: `${at} the stream holds ${JSON.stringify(m.name)}, a name no client wrote` });
      continue;
    }
    if (m.link) continue;
    const r = await readWhole(store, m.name, p.readBoundMs);
    if (!r.ok) {
      findings.violation({
        kind: "unreadable",
        name: m.name,
        key: `unreadable:${m.name}:${m.nuid}`,
        detail: `${at} get failed with ${r.code} (${r.message}); meta nuid ${m.nuid} (${whoWrote(m.nuid)}), rev ${m.revision}, ` +
          `${m.chunks} chunks in the meta, ${raw.chunks.get(m.nuid) ?? 0} stored`,
        context: historyOf(history, [m.name, putNameOf(history, m.nuid)], 24),
      });
      const put = putOfNuid.get(m.nuid);
      observed.set(m.name, put ? { kind: "obj", puts: new Set([put.key]) } : undefined);
      continue;
    }
    bytesOf.set(m.name, r.bytes);
    summary.objects++;
    const a = attribute(p.seed, r.bytes, (k) => history.byKey(k)?.kind === "put");
    if (a.kind === "garbage") {
      findings.violation({ kind: "wrong-content", name: m.name, key: `garbage:${m.name}:${m.nuid}`, detail: `${at} the bytes are no put's: ${a.why}`, context: historyOf(history, m.name) });
      observed.set(m.name, undefined);
    } else if (a.kind === "empty") {
      const put = putOfNuid.get(m.nuid);
      observed.set(m.name, { kind: "obj", puts: put?.size === 0 ? new Set([put.key]) : empties });
    } else {
      observed.set(m.name, { kind: "obj", puts: new Set([a.key]) });
    }
  }
  for (const m of live) {
    if (!m.link || !names.includes(m.name)) continue;
    summary.links++;
    observed.set(m.name, { kind: "link", target: m.link.name ?? "" });
    await checkLink(p, at, m, byName, bytesOf);
  }

  // invariant 4: no two live metas share a nuid
  checkNuids(p, at, rawLive, whoWrote);

  // invariant 2: every name's state is explained by the history
  for (const name of names) {
    const v: Value | undefined = byName.has(name) ? observed.get(name) : { kind: "absent" };
    if (!byName.has(name)) summary.absent++;
    if (!v) continue; // unreadable and unattributable: reported above
    const e = model.explainsFinal(name, v);
    if (!e.ok) {
      findings.violation({
        kind: "lost-write",
        name,
        key: `lost:${name}:${describe(v)}`,
        detail: `${at} ${name} holds ${describe(v)}, which no ordering of the history allows: ${e.why}`,
        context: historyOf(history, name),
      });
    }
  }

  // invariant 3: no orphan chunks after the purge, no live object missing a chunk
  const purged = await checkChunks(p, at, bytesOf);
  summary.purgedSubjects = purged.subjects;
  summary.purgedMessages = purged.messages;
  return summary;
}

/** A live meta as the stream holds it. */
interface LiveMeta {
  readonly name: string;
  readonly nuid: string;
  readonly chunks: number;
  readonly revision: number;
  readonly link?: { bucket?: string | undefined; name?: string | undefined } | undefined;
}

function toLive(m: RawMeta): LiveMeta {
  return { name: m.info.name ?? `?${m.subject}`, nuid: m.info.nuid ?? "", chunks: m.info.chunks ?? 0, revision: m.seq, link: m.info.options?.link };
}

/** A link to a live object reads as that object; a link to nothing (or a cycle) rejects, typed and in time. */
async function checkLink(p: CheckInput, at: string, m: LiveMeta, byName: Map<string, LiveMeta>, bytesOf: Map<string, Uint8Array>): Promise<void> {
  let target: LiveMeta | undefined = m;
  const seen = new Set<string>();
  while (target?.link && !seen.has(target.name)) {
    seen.add(target.name);
    target = target.link.bucket === p.bucket && target.link.name ? byName.get(target.link.name) : undefined;
  }
  const r = await readWhole(p.store, m.name, p.readBoundMs);
  const expected = target && !target.link ? bytesOf.get(target.name) : undefined;
  if (expected) {
    if (!r.ok || Buffer.compare(Buffer.from(r.bytes), Buffer.from(expected)) !== 0) {
      p.findings.violation({
        kind: "link",
        name: m.name,
        key: `link:${m.name}:${m.nuid}:${r.ok ? "bytes" : r.code}`,
        detail: `${at} link ${m.name} -> live ${target!.name} ${r.ok ? "read other bytes" : `failed with ${r.code}: ${r.message}`}`,
        context: historyOf(p.history, m.name),
      });
    }
  } else if (r.ok || r.code === "HUNG" || r.code.startsWith("UNTYPED")) {
    const what = target?.link ? "a link cycle" : `a link to ${m.link?.name}, which is not a live object`;
    p.findings.violation({
      kind: "link",
      name: m.name,
      key: `link:${m.name}:${m.nuid}:${r.ok ? "bytes" : r.code}`,
      detail: `${at} get of ${m.name}, ${what}, ${r.ok ? "returned bytes" : `did not reject typed: ${r.code} ${r.message}`}`,
      context: historyOf(p.history, m.name),
    });
  }
}

/** Invariant 4. */
function checkNuids(p: CheckInput, at: string, rawLive: readonly RawMeta[], whoWrote: (nuid: string) => string): void {
  const byNuid = new Map<string, string[]>();
  for (const m of rawLive) byNuid.set(m.info.nuid ?? "", [...(byNuid.get(m.info.nuid ?? "") ?? []), m.info.name ?? m.subject]);
  for (const [nuid, holders] of byNuid) {
    if (holders.length < 2) continue;
    p.findings.violation({
      kind: "shared-nuid",
      key: `nuid:${nuid}:${holders.sort().join(",")}`,
      detail: `${at} live metas ${holders.join(" and ")} share nuid ${nuid} (${whoWrote(nuid)})`,
      context: holders.flatMap((h) => historyOf(p.history, h, 8)),
    });
  }
}
