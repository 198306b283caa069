/** What a campaign reports: violations of its invariants (the campaign fails) and warnings (it does not). */

/** The kinds of violation, each an invariant of issue #11 or of the library's contract. */
export type ViolationKind =
  /** A get returned bytes that no put wrote, or that a put invoked after the get answered wrote. */
  | "bad-read"
  /** An operation rejected with something other than an ObjectStoreError. */
  | "untyped-error"
  /** An operation did not settle within the campaign's bound (far past every library timeout). */
  | "op-hung"
  /** list() failed after quiescence, or disagrees with the metas in the stream. */
  | "list"
  /** Invariant 1: an object list() shows cannot be read whole and verified. */
  | "unreadable"
  /** Invariant 1: an object's bytes are not those of a put that could have reached that name. */
  | "wrong-content"
  /** A link to a live object does not read as that object, or a get of a link does not settle. */
  | "link"
  /** Invariant 2: no ordering of the history leaves the name as it is (an acknowledged write was lost). */
  | "lost-write"
  /** Invariant 4: two live metas share a nuid (deleting one would destroy the other's chunks). */
  | "shared-nuid"
  /** Invariant 3: after the orphan purge, chunks that no live meta refers to remain. */
  | "orphan-chunks"
  /** Invariant 3: a live object's chunk subject does not hold its chunk count. */
  | "lost-chunks"
  /** purgeOrphanChunks failed after quiescence. */
  | "purge";

/** One violation. */
export interface Violation {
  readonly kind: ViolationKind;
  /** The object name concerned, if one. */
  readonly name?: string | undefined;
  readonly detail: string;
  /** The history around it (log lines), for the report. */
  readonly context?: readonly string[] | undefined;
  /** Violations with one key are one (a broken object seen again at a later checkpoint). */
  readonly key?: string | undefined;
}

/** Things worth reading that are not violations: reads older than the model allows, integrity errors of reads racing writes. */
export interface Warning {
  readonly kind: "stale-read" | "read-error";
  readonly detail: string;
}

/** Collects violations and warnings. */
export class Findings {
  readonly violations: Violation[] = [];
  readonly warnings: Warning[] = [];

  private readonly seen = new Map<string, number>();

  /** Records a violation, unless one of the same key was recorded before (then counts it as seen again). */
  violation(v: Violation): void {
    if (v.key !== undefined) {
      const n = this.seen.get(v.key);
      this.seen.set(v.key, (n ?? -1) + 1);
      if (n !== undefined) return;
    }
    this.violations.push(v);
  }

  /** How many later checks saw the same violation again. */
  repeats(v: Violation): number {
    return v.key === undefined ? 0 : this.seen.get(v.key) ?? 0;
  }

  warning(w: Warning): void {
    this.warnings.push(w);
  }

  /** Counts by kind, e.g. `lost-write 2, unreadable 1`. */
  static countByKind(items: readonly { kind: string }[]): string {
    const counts = new Map<string, number>();
    for (const i of items) counts.set(i.kind, (counts.get(i.kind) ?? 0) + 1);
    return [...counts].map(([k, n]) => `${k} ${n}`).join(", ") || "none";
  }
}

/** A violation as log lines (`repeats`: how many later checks saw it again). */
export function formatViolation(v: Violation, i: number, repeats = 0): string[] {
  const again = repeats > 0 ? ` (seen again by ${repeats} later check${repeats > 1 ? "s" : ""})` : "";
  const head = `VIOLATION ${i + 1} [${v.kind}]${v.name !== undefined ? ` ${v.name}` : ""}: ${v.detail}${again}`;
  return [head, ...(v.context ?? []).map((l) => `    ${l}`)];
}
