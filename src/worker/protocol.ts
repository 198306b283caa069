/**
 * The messages between a page's {@link WorkerObjectStore} and {@link serveObjectStores} in a Worker.
 *
 * 1. The page opens a session: it posts {@link OpenMessage} to the Worker with a port of a new
 *    `MessageChannel`; the Worker connects, opens the bucket and answers {@link ReadyMessage} (or a
 *    {@link FailMessage}) on that port.
 * 2. Every call is a {@link CallMessage} on the session port carrying a port of its own; progress,
 *    checkpoints, the result, and a put's source or a get's body travel on that call port, so calls never
 *    mix. A stream on a call port is credit-based: the receiver grants chunks ({@link CreditMessage}), the
 *    sender sends no more than granted, each chunk's ArrayBuffer transferred.
 * @module
 */
import type { SerializedError } from "./errors.js";
import type { Progress } from "../options.js";
import type { UploadCheckpoint } from "../core/upload-checkpoint.js";
import type { ObjectInfo } from "../core/meta.js";

/** The tag of a session-opening message posted to the Worker itself (other messages are ignored). */
export const OPEN_TAG = "nats-objectstore-web/worker/open";

/** Page -> Worker: open a session on `port`. */
export interface OpenMessage {
  type: typeof OPEN_TAG;
  port: MessagePort;
  /** What the Worker's connect function receives (structured-cloneable). */
  connect: unknown;
  bucket: string;
  /** Create the bucket with this configuration (less its name) instead of opening it. */
  create?: Record<string, unknown> | undefined;
  /** `ManagerOptions` (timeout, apiPrefix, inboxPrefix). */
  manager?: Record<string, unknown> | undefined;
}

/** Worker -> page on the session port: the bucket is open. */
export interface ReadyMessage {
  t: "ready";
}

/** The operations a session serves. */
export type Operation = "put" | "putFile" | "get" | "getInfo" | "delete" | "list" | "status" | "updateMeta" | "close";

/** Page -> Worker on the session port: one call, answered on `port`. */
export interface CallMessage {
  op: Operation;
  args: unknown[];
  port: MessagePort;
  /** The call's signal was aborted before it was made: its reason. */
  aborted?: SerializedError | undefined;
  /** The options had these callbacks (they run on the page). */
  callbacks?: { onProgress?: boolean; onCheckpoint?: boolean };
}

/** How a put's source is sent: as itself (cloned or transferred), or streamed on the call port. */
export const PORT_SOURCE = "nats-objectstore-web/worker/port-source";
/** The put source placeholder when the source streams over the call port. */
export interface PortSource {
  kind: typeof PORT_SOURCE;
}

/** Worker -> page on a call port: the call settled. */
export interface ResultMessage {
  t: "result";
  value: unknown;
}
/** Worker -> page on a call port (or the session port): the call failed. */
export interface FailMessage {
  t: "fail";
  error: SerializedError;
}
/** Worker -> page: a put's or get's progress. */
export interface ProgressMessage {
  t: "progress";
  progress: Progress;
}
/** Worker -> page: a resumable put's checkpoint. */
export interface CheckpointMessage {
  t: "checkpoint";
  checkpoint: UploadCheckpoint;
}
/** Worker -> page: a get's info; its body follows as a stream on the same port. */
export interface GotMessage {
  t: "got";
  info: ObjectInfo;
  range?: { offset: number; length: number } | undefined;
}
/** Page -> Worker: abort the call (its signal fired). */
export interface AbortMessage {
  t: "abort";
  reason: SerializedError;
}

/** Stream, sender -> receiver: one chunk (its buffer transferred). */
export interface ChunkMessage {
  t: "chunk";
  data: Uint8Array;
}
/** Stream, sender -> receiver: the stream ended. */
export interface EndMessage {
  t: "end";
}
/** Stream, sender -> receiver: the stream errored. */
export interface BrokenMessage {
  t: "broken";
  error: SerializedError;
}
/** Stream, receiver -> sender: send `n` more chunks. */
export interface CreditMessage {
  t: "credit";
  n: number;
}
/** Stream, receiver -> sender: stop; the receiver cancelled the stream. */
export interface CancelMessage {
  t: "cancel";
  reason: SerializedError;
}

/** Everything that travels on a call port. */
export type CallPortMessage =
  | ResultMessage | FailMessage | ProgressMessage | CheckpointMessage | GotMessage | AbortMessage
  | ChunkMessage | EndMessage | BrokenMessage | CreditMessage | CancelMessage;
