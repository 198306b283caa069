/**
 * The one way this library writes a meta: conditional on the revision it read, and idempotent when its
 * acknowledgement is lost (see docs/protocol.md).
 */
import type { Bucket } from "./bucket.js";
import { ConflictError, ServerError } from "./core/errors.js";
import { newNuid } from "./core/nuid.js";
import { isTransient } from "./transport/errors.js";
import { whenReachable } from "./stored-chunks.js";

/**
 * Publishes `payload` on the meta subject `subject`, rolling the subject up, only if the subject's last
 * message is still `expect` (0: the subject holds nothing). Returns the stored message's sequence.
 *
 * - Another writer got there first: `ConflictError` `REVISION_MISMATCH`, and nothing was stored.
 * - The acknowledgement was lost (timeout, connection cut, server stalled or restarting): the outcome
 *   is unknown, so the very same message (same `Nats-Msg-Id`) is sent again once the server answers.
 *   The server stores a message id once: if the first copy landed, the answer is a duplicate carrying
 *   its sequence; if it did not, this copy is stored under the same condition. Past the server's
 *   duplicate window a landed first copy shows as a conflict, so a conflict is checked against what
 *   the subject holds.
 * - When the server does not answer within `reconnectWaitMs`, or the re-send fails in any way, the
 *   outcome stays unknown: a transient error (`TIMEOUT`, `CONNECTION_CLOSED`) is thrown and callers must
 *   purge nothing (`isTransient(err)` tells them).
 */
export async function writeMeta(
  bucket: Bucket,
  subject: string,
  payload: Uint8Array,
  expect: number,
  reconnectWaitMs: number,
  what: string,
): Promise<number> {
  const msgId = `meta.${newNuid()}`;
  const send = async () =>
    (await bucket.js.publish(subject, payload, { msgId, rollupSubject: true, expectLastSubjectSeq: expect }, what)).seq;
  try {
    return await send();
  } catch (err) {
    if (!isTransient(err)) throw err;
  }
  try {
    return await whenReachable(bucket, send, reconnectWaitMs, undefined, true);
  } catch (err) {
    if (err instanceof ConflictError && err.code === "REVISION_MISMATCH") {
      const held = await bucket.js.lastMessage(bucket.stream, subject, false, what).catch(() => undefined);
      if (held && sameBytes(held.data, payload)) return held.seq;
    }
    if (isTransient(err)) throw err;
    // the first copy may have landed (and been written over since, or still be on its way in a cluster
    // electing a leader): whatever the re-send met, no failure is definite any more
    throw new ServerError("TIMEOUT", `${what}: the server did not acknowledge the write; its outcome is unknown (${(err as Error).message})`, { cause: err });
  }
}

/**
 * True when a write failed in a way that leaves its outcome unknown (the server may still have stored
 * it): nothing that depends on it having failed may be done, above all no purge.
 */
export function outcomeUnknown(err: unknown): boolean {
  return isTransient(err);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
