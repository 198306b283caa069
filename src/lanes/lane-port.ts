/**
 * What a read lane in a Worker and its page talk over (see `worker-lane.ts` and `serve-lane.ts`): a
 * Worker, a MessagePort or a Worker's global scope, and the messages they exchange.
 */

import type { RunSpec } from "../parallel-chunks.js";
import type { MessageScope } from "../worker/host.js";

/** A Worker, a `MessagePort`, or (inside a Worker) its global scope `self`: what the Worker mode's host listens on, and a way to post. */
export interface LanePort extends MessageScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** Page to Worker: read a run (`count` messages of `subject` from `startSeq`, default its first) as run `id`. */
export type LaneOpen = { t: "lane-open"; id: number } & RunSpec;

/** Page to Worker: stop run `id`. */
export interface LaneClose {
  t: "lane-close";
  id: number;
}

/** Worker to page: the next message of run `id` (its bytes transferred). */
export interface LaneMessage {
  t: "lane-msg";
  id: number;
  data: Uint8Array;
  seq: number;
  pending: number;
}

/** Worker to page: run `id` ended, early (`error`) or because the subject has no more messages. */
export interface LaneEnd {
  t: "lane-end";
  id: number;
  error?: string;
}

/** Worker to page: the lane stopped serving; every run still open failed, and later ones are read elsewhere. */
export interface LaneGone {
  t: "lane-gone";
  /** Unused; every message names a run. */
  id: 0;
}

export type ToLane = LaneOpen | LaneClose;
export type FromLane = LaneMessage | LaneEnd | LaneGone;
