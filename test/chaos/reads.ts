/**
 * Checks of the gets a campaign made while it ran: bytes a get returned must be exactly what a put wrote,
 * a put invoked before the get answered (violation otherwise). A read the model cannot place in time (an
 * older version than the history allows, or "not found" while the name held an object) is a warning: the
 * library documents that a get may read a replica that has not applied the newest write yet.
 */
import type { History, OpRecord } from "./history.js";
import type { Model, Value } from "./model.js";
import type { Findings } from "./violations.js";
import { formatOp } from "./history.js";

const INTEGRITY = new Set(["DIGEST_MISMATCH", "SIZE_MISMATCH", "CHUNK_COUNT_MISMATCH"]);

/** The puts the bytes of an empty object may come from: every empty put. */
export function emptyPuts(history: History): Set<number> {
  return new Set(history.ops.filter((o) => o.kind === "put" && o.size === 0).map((o) => o.key));
}

/** Whether `name` could hold `v` during [lo, hi], itself or (when it may have been a link) through any name. */
function placeable(model: Model, names: readonly string[], name: string, v: Value, lo: number, hi: number): boolean {
  if (model.canHold(name, v, lo, hi)) return true;
  return model.couldBeLink(name, hi) && names.some((n) => model.canHold(n, v, lo, hi));
}

/** Checks every get of the history; returns how many gets were checked. */
export function checkReads(history: History, model: Model, names: readonly string[], findings: Findings): number {
  const empties = emptyPuts(history);
  let checked = 0;
  for (const get of history.ops) {
    if (get.kind !== "get") continue;
    checked++;
    if (get.outcome === "ok") checkBytes(history, model, names, get, empties, findings);
    else if (get.code === "OBJECT_NOT_FOUND") {
      if (!placeable(model, names, get.name, { kind: "absent" }, get.invokedAt, get.respondedAt)) {
        findings.warning({ kind: "stale-read", detail: `${formatOp(get)}: not found, but the history says ${get.name} held an object throughout` });
      }
    } else if (get.code && INTEGRITY.has(get.code)) {
      findings.warning({ kind: "read-error", detail: `${formatOp(get)}: ${get.message ?? ""}` });
    }
  }
  return checked;
}

function checkBytes(history: History, model: Model, names: readonly string[], get: OpRecord, empties: Set<number>, findings: Findings): void {
  const read = get.read ?? "";
  if (read.startsWith("garbage:")) {
    findings.violation({ kind: "bad-read", name: get.name, detail: `${formatOp(get)}: the bytes are no put's (${read.slice(8)})` });
    return;
  }
  let puts: Set<number>;
  if (read === "empty") puts = empties;
  else {
    const key = Number(read.slice(4));
    const put = history.byKey(key);
    if (!put || put.invokedAt > get.respondedAt) {
      findings.violation({ kind: "bad-read", name: get.name, detail: `${formatOp(get)}: read the bytes of a put invoked after the get answered` });
      return;
    }
    puts = new Set([key]);
  }
  if (!placeable(model, names, get.name, { kind: "obj", puts }, get.invokedAt, get.respondedAt)) {
    findings.warning({ kind: "stale-read", detail: `${formatOp(get)}: the history does not let ${get.name} hold that content while the get ran` });
  }
}
