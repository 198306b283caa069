/**
 * What a hashing Worker and its page exchange (see `worker-sha256.ts` and `serve-hashing.ts`). Every
 * message names its hash by `id`; the tags start with `hash-`, so one Worker may serve read lanes too.
 */

/** Page to Worker: the next bytes of hash `id` (a copy, its buffer transferred). */
export interface HashUpdate {
  t: "hash-update";
  id: string;
  data: Uint8Array;
}

/** Page to Worker: finish hash `id` and send its digest. */
export interface HashFinish {
  t: "hash-finish";
  id: string;
}

/** Page to Worker: forget hash `id` (its put or get ended without needing the digest). */
export interface HashDrop {
  t: "hash-drop";
  id: string;
}

/** Worker to page: `bytes` more of hash `id` are hashed (the page's queue shrinks by that much). */
export interface HashAck {
  t: "hash-ack";
  id: string;
  bytes: number;
}

/** Worker to page: the 32-byte SHA-256 of hash `id`. */
export interface HashDigest {
  t: "hash-digest";
  id: string;
  digest: Uint8Array;
}

/** Worker to page: hash `id` failed (its hasher threw); later messages for it are ignored. */
export interface HashFailed {
  t: "hash-error";
  id: string;
  error: string;
}

export type ToHashWorker = HashUpdate | HashFinish | HashDrop;
export type FromHashWorker = HashAck | HashDigest | HashFailed;
