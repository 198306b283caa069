/**
 * The options of every public method, checked before anything is sent: each `check…Options` takes what
 * the caller passed (anything: plain JavaScript callers, `null`, objects from other realms), and returns
 * the options cleaned (only the known keys, callbacks wrapped) or throws {@link InvalidArgumentError}
 * `INVALID_ARGUMENT` naming the bad option. A callback the caller gave (`onProgress`, `onCheckpoint`,
 * `onBadMeta`, a `hasher`) that throws fails the operation with a {@link CallbackError}
 * `CALLBACK_FAILED` whose `cause` is the callback's own error; a put that fails so leaves nothing behind.
 */
import { InvalidArgumentError, ObjectStoreError } from "./errors.js";
import type { Hasher, HasherFactory } from "./sha256.js";
import type {
  GetInfoOptions, GetOptions, ListOptions, Progress, PutOptions, RevisionOptions, WatchOptions,
} from "../options.js";
import type { ObjectMeta } from "./meta.js";
import type { UploadCheckpoint } from "./upload-checkpoint.js";

/**
 * A callback the caller gave (`onProgress`, `onCheckpoint`, `onBadMeta`) or the `hasher` threw or
 * returned something unusable: the operation failed because of it. `cause` holds what it threw; a put
 * that fails with it leaves nothing behind, as an aborted put does.
 */
export class CallbackError extends ObjectStoreError {
  override name = "CallbackError";
}

/** Marks callbacks already wrapped, so that checking options twice never wraps twice. */
const WRAPPED = Symbol("objectstore.wrappedCallback");

type Wrapped<F> = F & { [WRAPPED]?: true };

function bad(message: string): InvalidArgumentError {
  return new InvalidArgumentError("INVALID_ARGUMENT", message);
}

/** What `what` is, for a message (never its contents: it may hold secrets). */
function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? `an object (${Object.prototype.toString.call(value).slice(8, -1)})` : `a ${typeof value}`;
}

/** The options object itself: `undefined` is `{}`; anything but a plain object is INVALID_ARGUMENT. */
function optionsObject(opts: unknown, method: string): Record<string, unknown> {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== "object" || Array.isArray(opts)) {
    throw bad(`${method}: options must be an object or undefined, not ${kindOf(opts)}`);
  }
  return opts as Record<string, unknown>;
}

/**
 * True for an `AbortSignal`, also one from another realm (an iframe, a polyfill): it has `aborted`
 * and the event listener methods.
 */
function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof AbortSignal !== "undefined" && value instanceof AbortSignal) return true;
  const s = value as Partial<AbortSignal> | null;
  return typeof s === "object" && s !== null && typeof s.aborted === "boolean" &&
    typeof s.addEventListener === "function" && typeof s.removeEventListener === "function";
}

/** Checks `signal` (undefined or an AbortSignal). */
export function checkSignal(value: unknown, method: string): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!isAbortSignal(value)) throw bad(`${method}: signal must be an AbortSignal, not ${kindOf(value)}`);
  return value;
}

function checkBoolean(o: Record<string, unknown>, key: string, method: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || typeof v === "boolean") return v;
  throw bad(`${method}: ${key} must be true, false or undefined, not ${kindOf(v)}`);
}

function checkWhole(o: Record<string, unknown>, key: string, method: string, min: number): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) {
    throw bad(`${method}: ${key} must be a whole number >= ${min}, not ${typeof v === "number" ? v : kindOf(v)}`);
  }
  return v;
}

function checkFunction(o: Record<string, unknown>, key: string, method: string): ((...args: never[]) => unknown) | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== "function") throw bad(`${method}: ${key} must be a function, not ${kindOf(v)}`);
  return v as (...args: never[]) => unknown;
}

/** The callback `key` of the options, checked (undefined or a function) and guarded (see {@link guardCallback}). */
function checkCallback<F extends (...args: never[]) => void>(o: Record<string, unknown>, key: string, method: string): F | undefined {
  const fn = checkFunction(o, key, method);
  return fn && (guardCallback(fn as (...args: unknown[]) => unknown, key) as unknown as F);
}

/** The error a throwing callback turns into. */
function callbackFailed(what: string, err: unknown): CallbackError {
  if (err instanceof CallbackError) return err;
  const why = err instanceof Error ? err.message : String(err);
  return new CallbackError("CALLBACK_FAILED", `${what} threw: ${why}`, { cause: err });
}

/**
 * `fn` wrapped so that whatever it throws becomes a {@link CallbackError} `CALLBACK_FAILED` (its return
 * value is ignored, as a callback's is).
 */
export function guardCallback<A extends unknown[]>(fn: (...args: A) => unknown, what: string): (...args: A) => void {
  if ((fn as Wrapped<typeof fn>)[WRAPPED]) return fn as (...args: A) => void;
  const guarded: Wrapped<(...args: A) => void> = (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      throw callbackFailed(what, err);
    }
  };
  guarded[WRAPPED] = true;
  return guarded;
}

/**
 * A hasher factory wrapped so that a factory that throws or rejects, or returns no hasher, and a hasher
 * whose `update` or `digest` throws or whose digest is not 32 bytes, fail with {@link CallbackError}
 * `CALLBACK_FAILED`.
 */
export function guardHasher(factory: HasherFactory): HasherFactory {
  if ((factory as Wrapped<HasherFactory>)[WRAPPED]) return factory;
  const guarded: Wrapped<HasherFactory> = async (): Promise<Hasher> => {
    let h: Hasher;
    try {
      h = await factory();
    } catch (err) {
      throw callbackFailed("the hasher", err);
    }
    if (typeof h !== "object" || h === null || typeof h.update !== "function" || typeof h.digest !== "function") {
      throw new CallbackError("CALLBACK_FAILED", `the hasher made ${kindOf(h)}, not a { update, digest } hasher`);
    }
    const checked = (d: unknown): Uint8Array => {
      if (!(d instanceof Uint8Array) || d.length !== 32) {
        throw new CallbackError("CALLBACK_FAILED", `the hasher's digest is ${kindOf(d)}, not 32 bytes`);
      }
      return d;
    };
    return {
      update(bytes) {
        let r: void | Promise<void>;
        try {
          r = h.update(bytes);
        } catch (err) {
          throw callbackFailed("the hasher's update", err);
        }
        if (isPromise(r)) return r.catch((err: unknown) => { throw callbackFailed("the hasher's update", err); });
      },
      digest() {
        let d: Uint8Array | Promise<Uint8Array>;
        try {
          d = h.digest();
        } catch (err) {
          throw callbackFailed("the hasher's digest", err);
        }
        if (isPromise(d)) return d.then(checked, (err: unknown) => { throw callbackFailed("the hasher's digest", err); });
        return checked(d);
      },
      dispose() {
        try {
          h.dispose?.();
        } catch {
          // the put or get has already ended; a hash that cannot free itself changes nothing
        }
      },
    };
  };
  guarded[WRAPPED] = true;
  return guarded;
}

/** True for a thenable (what an asynchronous hasher returns). */
function isPromise<T>(v: unknown): v is Promise<T> {
  return typeof (v as { then?: unknown } | null | undefined)?.then === "function";
}

/** Copies the defined entries of `o` (so cleaned options never carry `key: undefined`). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The options of `get` (also `getBytes`, `getString`, `getFile`), cleaned. */
export function checkGetOptions(opts: unknown): GetOptions {
  const method = "get";
  const o = optionsObject(opts, method);
  const hasher = checkFunction(o, "hasher", method) as HasherFactory | undefined;
  return defined<GetOptions>({
    signal: checkSignal(o.signal, method),
    onProgress: checkCallback<(p: Progress) => void>(o, "onProgress", method),
    hasher: hasher && guardHasher(hasher),
    offset: checkWhole(o, "offset", method, 0),
    length: checkWhole(o, "length", method, 0),
    connections: checkConnections(o.connections, method),
  });
}

/** `connections` of a get: undefined, or an array of NATS connections (they publish and subscribe) and read lanes (they open runs). */
function checkConnections(value: unknown, method: string): GetOptions["connections"] {
  if (value === undefined) return undefined;
  const has = (c: unknown, key: string) => typeof c === "object" && c !== null && typeof (c as Record<string, unknown>)[key] === "function";
  const ok = (c: unknown) => (has(c, "publish") && has(c, "subscribe")) || has(c, "openRun");
  if (!Array.isArray(value) || !value.every(ok)) {
    throw bad(`${method}: connections must be an array of NATS connections and read lanes, not ${Array.isArray(value) ? "an array of other things" : kindOf(value)}`);
  }
  return value as GetOptions["connections"];
}

/** The options of `put` (also `putBytes`, `putString`), cleaned. `resumeFrom` is checked fully by the put. */
export function checkPutOptions(opts: unknown, method = "put"): PutOptions {
  const o = optionsObject(opts, method);
  const hasher = checkFunction(o, "hasher", method) as HasherFactory | undefined;
  const reconnectWaitMs = o.reconnectWaitMs;
  if (reconnectWaitMs !== undefined && (typeof reconnectWaitMs !== "number" || !(reconnectWaitMs >= 0) || reconnectWaitMs === Infinity)) {
    throw bad(`${method}: reconnectWaitMs must be a number of milliseconds >= 0, not ${typeof reconnectWaitMs === "number" ? reconnectWaitMs : kindOf(reconnectWaitMs)}`);
  }
  if (o.resumeFrom !== undefined && (o.resumeFrom === null || typeof o.resumeFrom !== "object")) {
    throw bad(`${method}: resumeFrom must be a checkpoint from onCheckpoint, not ${kindOf(o.resumeFrom)}`);
  }
  return defined<PutOptions>({
    signal: checkSignal(o.signal, method),
    onProgress: checkCallback<(p: Progress) => void>(o, "onProgress", method),
    chunkSize: checkWhole(o, "chunkSize", method, 1),
    previousRevision: checkWhole(o, "previousRevision", method, 0),
    window: checkWhole(o, "window", method, 1),
    hasher: hasher && guardHasher(hasher),
    reconnectWaitMs: reconnectWaitMs as number | undefined,
    onCheckpoint: checkCallback<(cp: UploadCheckpoint) => void>(o, "onCheckpoint", method),
    resumeFrom: o.resumeFrom as UploadCheckpoint | undefined,
  });
}

/** The options of `putFile`: a put's, plus `meta` (an object; its fields are checked as the put's meta). */
export function checkPutFileOptions(opts: unknown): PutOptions & { meta?: Partial<ObjectMeta> } {
  const o = optionsObject(opts, "putFile");
  const meta = o.meta;
  if (meta !== undefined && (meta === null || typeof meta !== "object" || Array.isArray(meta))) {
    throw bad(`putFile: meta must be an object, not ${kindOf(meta)}`);
  }
  const put = checkPutOptions(o, "putFile");
  return meta === undefined ? put : { ...put, meta: meta as Partial<ObjectMeta> };
}

/** The options of `getInfo`, cleaned. */
export function checkGetInfoOptions(opts: unknown): GetInfoOptions {
  const o = optionsObject(opts, "getInfo");
  return defined<GetInfoOptions>({ showDeleted: checkBoolean(o, "showDeleted", "getInfo") });
}

/** The options of `updateMeta` and `delete`, cleaned. */
export function checkRevisionOptions(opts: unknown, method: string): RevisionOptions {
  const o = optionsObject(opts, method);
  return defined<RevisionOptions>({ previousRevision: checkWhole(o, "previousRevision", method, 0) });
}

/** The options of `watch`, cleaned. */
export function checkWatchOptions(opts: unknown): WatchOptions {
  const method = "watch";
  const o = optionsObject(opts, method);
  return defined<WatchOptions>({
    includeHistory: checkBoolean(o, "includeHistory", method),
    ignoreDeletes: checkBoolean(o, "ignoreDeletes", method),
    updatesOnly: checkBoolean(o, "updatesOnly", method),
    onBadMeta: checkCallback<(subject: string, error: Error) => void>(o, "onBadMeta", method),
  });
}

/** The options of `list`, cleaned. */
export function checkListOptions(opts: unknown): ListOptions {
  const o = optionsObject(opts, "list");
  return defined<ListOptions>({
    includeDeleted: checkBoolean(o, "includeDeleted", "list"),
    onBadMeta: checkCallback<(subject: string, error: Error) => void>(o, "onBadMeta", "list"),
  });
}
