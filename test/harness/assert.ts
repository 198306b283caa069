/** Portable assertions (no node:assert, so the same suite runs in browsers). */

/** Thrown by a failed assertion. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

/** Fails unless `value` is truthy. */
export function ok(value: unknown, message = "expected a truthy value"): asserts value {
  if (!value) throw new AssertionError(message);
}

/** Fails unless `actual === expected` (Object.is). */
export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) {
    throw new AssertionError(`${message ?? "not equal"}: got ${show(actual)}, expected ${show(expected)}`);
  }
}

/** Fails unless `actual` and `expected` are structurally equal (JSON-comparable values, Uint8Arrays). */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new AssertionError(`${message ?? "not deep-equal"}: got ${a}, expected ${e}`);
}

/** Fails unless two byte arrays hold the same bytes (reports the first difference, not the bytes). */
export function bytesEqual(actual: Uint8Array, expected: Uint8Array, message = "bytes differ"): void {
  if (actual.length !== expected.length) {
    throw new AssertionError(`${message}: length ${actual.length}, expected ${expected.length}`);
  }
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) throw new AssertionError(`${message}: first difference at byte ${i}`);
  }
}

/**
 * Fails unless `fn` rejects (or throws) with an error that is an instance of `type` and, when given,
 * has the `code`. Returns the error for further checks.
 */
export async function rejects<E extends Error>(
  fn: () => unknown,
  type: abstract new (...args: never[]) => E,
  code?: string,
): Promise<E> {
  let err: unknown;
  try {
    await fn();
  } catch (e) {
    err = e;
  }
  if (err === undefined) throw new AssertionError(`expected a rejection with ${type.name}, got none`);
  if (!(err instanceof type)) {
    throw new AssertionError(`expected ${type.name}, got ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
  if (code !== undefined && (err as { code?: unknown }).code !== code) {
    throw new AssertionError(`expected code ${code}, got ${(err as { code?: unknown }).code}`);
  }
  return err;
}

function show(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (x instanceof Uint8Array ? `<${x.length} bytes>` : x)) ?? String(v);
}
