/**
 * The history of a campaign: every operation's invocation and response (times in ms since the campaign
 * began, on one monotonic clock shared by every client of the process) and its outcome:
 *
 * - `ok`: acknowledged;
 * - `fail`: failed with a definite error (conflict, not found, a link rule): it had no effect;
 * - `unknown`: failed with a transient or unknown error (timeout, lost connection, server error, or an
 *   error the library did not type): it may or may not have taken effect.
 */
import { ObjectStoreError } from "../../src/index.js";

/** The operations a client issues. */
export type OpKind = "put" | "get" | "delete" | "rename" | "describe" | "link";

/** How an operation ended. */
export type Outcome = "ok" | "fail" | "unknown";

/** One operation. */
export interface OpRecord {
  /** Unique in the campaign: `client * 100000 + index` (a put's content carries it). */
  readonly key: number;
  readonly client: number;
  readonly kind: OpKind;
  /** The name acted on (a rename's source, a link's own name). */
  readonly name: string;
  /** A rename's new name; a link's target. */
  readonly to?: string | undefined;
  /** A put's size and chunk size. */
  readonly size?: number | undefined;
  readonly chunkSize?: number | undefined;
  readonly invokedAt: number;
  respondedAt: number;
  outcome: Outcome;
  /** The error's code (`ObjectStoreError.code`, else `UNTYPED:<name>`). */
  code?: string | undefined;
  message?: string | undefined;
  /** An acknowledged write's returned nuid and revision. */
  nuid?: string | undefined;
  revision?: number | undefined;
  /** A get's result: the put whose bytes it read, `empty`, or why the bytes are no put's. */
  read?: string | undefined;
}

/** Error codes that mean "not done": the store refused the operation as it stood. */
const DEFINITE = new Set([
  "OBJECT_NOT_FOUND",
  "OBJECT_ALREADY_EXISTS",
  "REVISION_MISMATCH",
  "UPDATE_DELETED",
  "LINK_TO_DELETED",
  "LINK_TO_LINK",
  "LINK_NOT_ALLOWED",
  "LINK_IS_BUCKET",
  "LINK_CYCLE",
  "DIGEST_MISMATCH",
  "SIZE_MISMATCH",
  "CHUNK_COUNT_MISMATCH",
]);

/** The outcome and code of an operation that threw `err`. */
export function classify(err: unknown): { outcome: Outcome; code: string; message: string; typed: boolean } {
  const message = (err as Error)?.message ?? String(err);
  if (err instanceof ObjectStoreError) {
    return { outcome: DEFINITE.has(err.code) ? "fail" : "unknown", code: err.code, message, typed: true };
  }
  return { outcome: "unknown", code: `UNTYPED:${(err as Error)?.name ?? typeof err}`, message, typed: false };
}

/** Collects the operations of every client, with one clock. */
export class History {
  readonly ops: OpRecord[] = [];
  private readonly t0 = performance.now();

  /** Milliseconds since the campaign began. */
  now(): number {
    return performance.now() - this.t0;
  }

  /** Records an operation's invocation; complete it with {@link History.end}. */
  begin(op: Pick<OpRecord, "key" | "client" | "kind" | "name" | "to" | "size" | "chunkSize">): OpRecord {
    const rec: OpRecord = { ...op, invokedAt: this.now(), respondedAt: Number.POSITIVE_INFINITY, outcome: "unknown" };
    this.ops.push(rec);
    return rec;
  }

  /** Records an operation's response. */
  end(rec: OpRecord, outcome: Outcome, extra: Partial<Pick<OpRecord, "code" | "message" | "nuid" | "revision" | "read">> = {}): void {
    rec.respondedAt = this.now();
    rec.outcome = outcome;
    Object.assign(rec, extra);
  }

  /** The operation of a key. */
  byKey(key: number): OpRecord | undefined {
    return this.index().get(key);
  }

  private keyed: Map<number, OpRecord> | undefined;
  private keyedCount = -1;
  private index(): Map<number, OpRecord> {
    if (!this.keyed || this.keyedCount !== this.ops.length) {
      this.keyed = new Map(this.ops.map((o) => [o.key, o]));
      this.keyedCount = this.ops.length;
    }
    return this.keyed;
  }
}

/** One line for the log: `+12.345 c2.17 put beta 3077B/1024 -> ok rev=45 (23ms)`. */
export function formatOp(op: OpRecord): string {
  const id = `c${op.client}.${op.key % 100000}`;
  const what =
    op.kind === "put" ? `put ${op.name} ${op.size}B/${op.chunkSize}` :
    op.kind === "rename" ? `rename ${op.name} -> ${op.to}` :
    op.kind === "link" ? `link ${op.name} -> ${op.to}` :
    `${op.kind} ${op.name}`;
  const res =
    op.outcome === "ok"
      ? `ok${op.revision !== undefined ? ` rev=${op.revision}` : ""}${op.nuid ? ` nuid=${op.nuid}` : ""}${op.read ? ` read=${op.read}` : ""}`
      : `${op.outcome} ${op.code ?? ""}`;
  const took = Number.isFinite(op.respondedAt) ? `${Math.round(op.respondedAt - op.invokedAt)}ms` : "pending";
  return `+${(op.invokedAt / 1000).toFixed(3)} ${id} ${what} -> ${res} (${took})`;
}
