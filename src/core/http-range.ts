/**
 * The HTTP `Range` request header (RFC 9110 §14), decided against a representation's size. Pure: no
 * platform APIs. Only the `bytes` unit and a single range are served; anything else is answered with
 * the whole representation, as the RFC allows.
 */

/**
 * What to answer a request's `Range` header with:
 * - `full`: the whole representation, status 200 (no header, another unit, invalid syntax, or several
 *   ranges of which at least one is satisfiable);
 * - `partial`: bytes `start` to `end` (both inclusive, as in `Content-Range`), status 206;
 * - `unsatisfiable`: status 416 with `Content-Range: bytes *\/size`.
 */
export type RangeDecision =
  | { readonly kind: "full" }
  | { readonly kind: "partial"; readonly start: number; readonly end: number }
  | { readonly kind: "unsatisfiable" };

const FULL: RangeDecision = { kind: "full" };
const UNSATISFIABLE: RangeDecision = { kind: "unsatisfiable" };

/** One range-spec: `first-last`, `first-` (last absent) or `-suffix` (first absent). */
interface RangeSpec {
  first?: number;
  last?: number;
  suffix?: number;
}

const DIGITS = /^[0-9]+$/;

/** One `range-spec`, or undefined when its syntax is invalid (which invalidates the whole header). */
function parseSpec(text: string): RangeSpec | undefined {
  const dash = text.indexOf("-");
  if (dash < 0) return undefined;
  const a = text.slice(0, dash);
  const b = text.slice(dash + 1);
  if (a === "") return DIGITS.test(b) ? { suffix: Number(b) } : undefined;
  if (!DIGITS.test(a) || (b !== "" && !DIGITS.test(b))) return undefined;
  const first = Number(a);
  if (b === "") return { first };
  const last = Number(b);
  return last < first ? undefined : { first, last };
}

/** The bytes a satisfiable spec selects of `size` bytes, or undefined when it selects none. */
function resolve(spec: RangeSpec, size: number): { start: number; end: number } | undefined {
  if (spec.suffix !== undefined) {
    if (spec.suffix === 0 || size === 0) return undefined;
    return { start: Math.max(0, size - spec.suffix), end: size - 1 };
  }
  const first = spec.first ?? 0;
  if (first >= size) return undefined;
  return { start: first, end: Math.min(spec.last ?? size - 1, size - 1) };
}

/**
 * Decides a `Range` header against a representation of `size` bytes.
 *
 * `bytes=a-b`, `bytes=a-` and `bytes=-n` are served as one range (`b` past the end is clamped to the
 * last byte; `-n` longer than the representation selects all of it). A range starting at or past the
 * end, or `-0`, is unsatisfiable. The unit is case-insensitive and blanks around list elements are
 * allowed. Invalid syntax (`bytes=5-2`, `bytes=x`, `items=0-1`) means the header is ignored. Several
 * ranges are answered with the whole representation unless none of them is satisfiable (then 416).
 * A zero-length representation has no satisfiable range except a suffix, which is answered in full.
 */
export function decideRange(header: string | null | undefined, size: number): RangeDecision {
  if (header === null || header === undefined) return FULL;
  const eq = header.indexOf("=");
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== "bytes") return FULL;
  const specs: RangeSpec[] = [];
  for (const part of header.slice(eq + 1).split(",")) {
    const text = part.trim();
    if (text === "") continue; // empty list elements are allowed (RFC 9110 §5.6.1)
    const spec = parseSpec(text);
    if (!spec) return FULL;
    specs.push(spec);
  }
  if (specs.length === 0) return FULL;
  const satisfiable = specs.map((s) => resolve(s, size)).filter((r) => r !== undefined);
  if (satisfiable.length === 0) {
    // RFC 9110 §14.1.1: on a zero-length representation a non-zero suffix is satisfiable: serve it whole.
    return size === 0 && specs.some((s) => (s.suffix ?? 0) > 0) ? FULL : UNSATISFIABLE;
  }
  if (specs.length > 1) return FULL;
  const [only] = satisfiable;
  return only ? { kind: "partial", start: only.start, end: only.end } : FULL;
}

/** The `Content-Range` value of a partial response: `bytes start-end/size`. */
export function contentRange(start: number, end: number, size: number): string {
  return `bytes ${start}-${end}/${size}`;
}

/** The `Content-Range` value of a 416 response: `bytes *\/size`. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`;
}
