/**
 * What the history allows a name to hold. Each name holds one value: nothing (`absent`: never written,
 * deleted or renamed away), an object (the content of one put), or a link to another name. Writes:
 * put (-> that put's content), delete (-> absent), rename a -> b (a -> absent; b -> what a held, and only
 * if b was absent), link x -> t (-> link to t, only if x was absent or a link).
 *
 * An operation is placed at one instant between its invocation and its response; ok operations took
 * effect, definite failures did not, unknown ones may have. Rather than search every linearization, the
 * checks below are necessary conditions of one existing, so they never report a history that has one:
 *
 * - a name can hold `v` at some instant of [lo, hi] when some write M giving `v` was invoked before `hi`
 *   and no acknowledged write of that name lies wholly between M's response and `lo`;
 * - the final value is `v` when some write L giving `v` has no acknowledged write of that name invoked
 *   after L responded (every other acknowledged write comes before L), and, where L needs a state before
 *   it (a rename into the name needs it absent, a link needs it absent or a link, a rename away needs it
 *   live), some write M giving that state can come last before L: no acknowledged write other than L and M
 *   invoked after M responded. A rename's value must be one its source could hold while it ran.
 *
 * The one assumption: an operation that returned has nothing left in flight that could still land
 * unconditionally. A conditional meta write (expected last subject sequence) that lands late can only
 * land if nothing was written to the name since, which the checks above allow for.
 */
import type { History, OpRecord } from "./history.js";

/** A value a name holds. `puts` is the set of puts the observed bytes may come from. */
export type Value =
  | { kind: "absent" }
  | { kind: "obj"; puts: ReadonlySet<number> }
  | { kind: "link"; target: string };

/** What a write does to one name. */
type Effect = "put" | "delete" | "away" | "into" | "link";

interface Write {
  readonly op: OpRecord;
  readonly effect: Effect;
  /** For `into`: the source name. */
  readonly from?: string;
}

/** The state a write needs before it (beyond what its caller passed). */
type Needs = "absent" | "absent-or-link" | "live";

/** How deep rename chains are followed before a check gives the benefit of the doubt. */
const MAX_DEPTH = 6;
/** How many steps one check may take before it gives the benefit of the doubt (bounds pathological histories). */
const MAX_STEPS = 200_000;

/** The acknowledged writes of one name, indexed to ask "is there one wholly between t1 and t2?" quickly. */
class NameIndex {
  readonly writes: Write[] = [];
  private oks: OpRecord[] = [];
  private invoked: number[] = [];
  /** For each suffix of `oks` (by invocation): its three earliest responses. */
  private earliest: [number, OpRecord][][] = [];

  add(w: Write): void {
    this.writes.push(w);
  }

  seal(): void {
    this.oks = this.writes.filter((w) => w.op.outcome === "ok").map((w) => w.op);
    this.oks = [...new Set(this.oks)].sort((a, b) => a.invokedAt - b.invokedAt);
    this.invoked = this.oks.map((o) => o.invokedAt);
    this.earliest = new Array<[number, OpRecord][]>(this.oks.length + 1);
    this.earliest[this.oks.length] = [];
    for (let i = this.oks.length - 1; i >= 0; i--) {
      const op = this.oks[i]!;
      this.earliest[i] = [...this.earliest[i + 1]!, [op.respondedAt, op] as [number, OpRecord]]
        .sort((a, b) => a[0] - b[0])
        .slice(0, 3);
    }
  }

  /** Is there an acknowledged write, not one of `except` (at most 2), invoked after `after` and answered before `before`? */
  okBetween(after: number, before: number, except: readonly OpRecord[]): boolean {
    if (except.length > 2) throw new Error("okBetween: at most two exceptions");
    let lo = 0;
    let hi = this.invoked.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.invoked[mid]! > after) hi = mid;
      else lo = mid + 1;
    }
    for (const [resp, op] of this.earliest[lo]!) {
      if (resp < before && !except.includes(op)) return true;
    }
    return false;
  }
}

/** The writes of a history by name, and the checks of reads and final values against them. */
export class Model {
  private readonly names = new Map<string, NameIndex>();
  /** Steps left to the check running now. */
  private budget = MAX_STEPS;

  /** @param history the campaign's history (only ok and unknown writes count) */
  constructor(history: Pick<History, "ops">) {
    for (const op of history.ops) {
      if (op.outcome === "fail") continue;
      switch (op.kind) {
        case "put": this.add(op.name, { op, effect: "put" }); break;
        case "delete": this.add(op.name, { op, effect: "delete" }); break;
        case "link": this.add(op.name, { op, effect: "link" }); break;
        case "rename":
          this.add(op.name, { op, effect: "away" });
          this.add(op.to!, { op, effect: "into", from: op.name });
          break;
        default: break; // get and describe change no value
      }
    }
    for (const idx of this.names.values()) idx.seal();
  }

  private add(name: string, w: Write): void {
    let idx = this.names.get(name);
    if (!idx) this.names.set(name, (idx = new NameIndex()));
    idx.add(w);
  }

  private index(name: string): NameIndex {
    let idx = this.names.get(name);
    if (!idx) {
      idx = new NameIndex();
      idx.seal();
      this.names.set(name, idx);
    }
    return idx;
  }

  /** Whether write `w` can leave its name holding `v`. */
  private gives(w: Write, v: Value, depth: number): boolean {
    switch (w.effect) {
      case "put": return v.kind === "obj" && v.puts.has(w.op.key);
      case "delete":
      case "away": return v.kind === "absent";
      case "link": return v.kind === "link" && v.target === w.op.to;
      case "into":
        if (v.kind === "absent") return false;
        return depth <= 0 || this.holds(w.from!, v, w.op.invokedAt, w.op.respondedAt, w.op, depth - 1);
    }
  }

  /**
   * Whether `name` can hold `v` at some instant in [lo, hi] (`except`: a write to leave out, such as the
   * rename reading its own source).
   */
  canHold(name: string, v: Value, lo: number, hi: number, except?: OpRecord): boolean {
    this.budget = MAX_STEPS;
    return this.holds(name, v, lo, hi, except, MAX_DEPTH);
  }

  private holds(name: string, v: Value, lo: number, hi: number, except: OpRecord | undefined, depth: number): boolean {
    if (--this.budget < 0) return true;
    const idx = this.index(name);
    const ex = except ? [except] : [];
    if (v.kind === "absent" && !idx.okBetween(Number.NEGATIVE_INFINITY, lo, ex)) return true; // never written yet
    for (const w of idx.writes) {
      if (w.op === except || w.op.invokedAt >= hi) continue;
      if (!idx.okBetween(w.op.respondedAt, lo, [...ex, w.op]) && this.gives(w, v, depth)) return true;
    }
    return false;
  }

  /** Whether a name that could be a link (a link written to it, or renamed into it) was one before `t`. */
  couldBeLink(name: string, t: number): boolean {
    return this.index(name).writes.some((w) => (w.effect === "link" || w.effect === "into") && w.op.invokedAt < t);
  }

  /** The names the history writes. */
  get writtenNames(): string[] {
    return [...this.names.keys()];
  }

  /**
   * Whether the history explains `name` finally holding `v`; when it does not, `why` says which
   * acknowledged writes rule each candidate out.
   */
  explainsFinal(name: string, v: Value): { ok: true } | { ok: false; why: string } {
    this.budget = MAX_STEPS;
    const idx = this.index(name);
    const reasons: string[] = [];
    const anyOk = idx.okBetween(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, []);
    if (v.kind === "absent" && !anyOk) return { ok: true };
    for (const w of idx.writes) {
      if (!this.gives(w, v, MAX_DEPTH)) continue;
      if (idx.okBetween(w.op.respondedAt, Number.POSITIVE_INFINITY, [w.op])) {
        reasons.push(`${label(w)} is followed by an acknowledged write of ${name}`);
        continue;
      }
      const needs = needsBefore(w);
      if (needs && !this.someLastBefore(idx, w, needs)) {
        reasons.push(`${label(w)} needs ${name} ${needs} before it, and no write can leave it so last before it`);
        continue;
      }
      return { ok: true };
    }
    if (reasons.length === 0) reasons.push(`no write of ${name} (acknowledged or unknown) gives it ${describe(v)}`);
    return { ok: false, why: reasons.join("; ") };
  }

  /** Whether some write M (or the initial state) giving `needs` can come immediately before the final write L. */
  private someLastBefore(idx: NameIndex, L: Write, needs: Needs): boolean {
    const allOthersBefore = (after: number, m?: OpRecord) =>
      !idx.okBetween(after, Number.POSITIVE_INFINITY, m ? [L.op, m] : [L.op]);
    if (needs !== "live" && allOthersBefore(Number.NEGATIVE_INFINITY)) return true;
    for (const m of idx.writes) {
      if (m.op === L.op || m.op.invokedAt >= L.op.respondedAt || !leaves(m, needs)) continue;
      if (allOthersBefore(m.op.respondedAt, m.op)) return true;
    }
    return false;
  }
}

function needsBefore(w: Write): Needs | undefined {
  return w.effect === "into" ? "absent" : w.effect === "link" ? "absent-or-link" : w.effect === "away" ? "live" : undefined;
}

function leaves(m: Write, needs: Needs): boolean {
  switch (needs) {
    case "absent": return m.effect === "delete" || m.effect === "away";
    case "absent-or-link": return m.effect !== "put";
    case "live": return m.effect === "put" || m.effect === "link" || m.effect === "into";
  }
}

function label(w: Write): string {
  const o = w.op;
  const id = `c${o.client}.${o.key % 100000}`;
  const what = o.kind === "rename" || o.kind === "link" ? `${o.kind} ${o.name} -> ${o.to}` : `${o.kind} ${o.name}`;
  return `${id} ${what} (${o.outcome}, ${o.invokedAt.toFixed(0)}-${o.respondedAt.toFixed(0)} ms)`;
}

/** A value in words. */
export function describe(v: Value): string {
  if (v.kind === "absent") return "absent";
  if (v.kind === "link") return `a link to ${v.target}`;
  return `the content of put ${[...v.puts].map((k) => `c${Math.floor(k / 100000)}.${k % 100000}`).join(" or ")}`;
}
