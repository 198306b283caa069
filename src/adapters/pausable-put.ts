/**
 * One file's put as an upload widget drives it: it waits for a slot of the widget's limit, can be
 * paused (it stops reading its source and gives its slot back, keeping its connection and acknowledged
 * chunks) and resumed, and cancelled (the put is aborted and purges its chunks). Progress is reported
 * in acknowledged bytes.
 */
import type { ObjectInfo, ObjectMeta } from "../core/meta.js";
import type { UploadCheckpoint } from "../core/upload-checkpoint.js";
import type { ObjectStore } from "../store.js";
import { gatedBlob } from "./gated-blob.js";
import type { Slots } from "./slots.js";

/** What a {@link PausablePut} stores, and how it reports. */
export interface PausablePutSpec {
  /** The bucket to put into. */
  store: ObjectStore;
  /** The object's name, headers and metadata. */
  meta: ObjectMeta;
  /** The file's bytes. */
  data: Blob;
  /** The widget's limit of uploads at once, shared by its files. */
  slots: Slots;
  /** The put's chunk size (default the library's). */
  chunkSize?: number | undefined;
  /** How long the put waits for a lost connection (default the library's). */
  reconnectWaitMs?: number | undefined;
  /** A checkpoint of an earlier try of this put: the chunks the server holds are not sent again. */
  resumeFrom?: UploadCheckpoint | undefined;
  /** Bytes the server has acknowledged (or, on a resume, found stored), growing. */
  onProgress(bytes: number): void;
  /** After every acknowledged chunk: what a later put needs to continue this one. */
  onCheckpoint(checkpoint: UploadCheckpoint): void;
}

/** A put that can be paused, resumed and cancelled while it runs. */
export class PausablePut {
  readonly #abort = new AbortController();
  #paused: boolean;
  #wake: (() => void) | undefined;
  #release: (() => void) | undefined;
  #started = false;

  /** @param paused start paused (a file paused before its upload began) */
  constructor(private readonly spec: PausablePutSpec, paused = false) {
    this.#paused = paused;
  }

  /** True once {@link cancel} was called. */
  get cancelled(): boolean {
    return this.#abort.signal.aborted;
  }

  /** True once the put itself began (it had a slot): a cancelled put that began purged its own chunks. */
  get started(): boolean {
    return this.#started;
  }

  /** Stops sending after the chunks in flight, and frees the slot for another file. */
  pause(): void {
    this.#paused = true;
    this.#giveBack();
  }

  /** Sends again (once a slot is free). */
  resume(): void {
    this.#paused = false;
    this.#wake?.();
  }

  /** Aborts the put: it purges the chunks it stored, and rejects with `ABORTED`. */
  cancel(): void {
    this.#abort.abort();
    this.#giveBack();
    this.#wake?.();
  }

  /** Runs the put; resolves with the stored object's info. */
  async run(): Promise<ObjectInfo> {
    const s = this.spec;
    let reported = 0;
    const report = (bytes: number) => {
      if (bytes <= reported) return;
      reported = bytes;
      s.onProgress(bytes);
    };
    try {
      await this.#ready(); // a slot before the put asks the server anything
      this.#started = true;
      return await s.store.put(s.meta, gatedBlob(s.data, () => this.#ready()), {
        signal: this.#abort.signal,
        ...(s.chunkSize === undefined ? {} : { chunkSize: s.chunkSize }),
        ...(s.reconnectWaitMs === undefined ? {} : { reconnectWaitMs: s.reconnectWaitMs }),
        ...(s.resumeFrom === undefined ? {} : { resumeFrom: s.resumeFrom }),
        onCheckpoint: (cp) => {
          s.onCheckpoint(cp);
          report(cp.bytes);
        },
        // a resumed put hashes the stored chunks first: those bytes count as uploaded
        onProgress: (p) => report(Math.min(p.bytes, p.resumedFrom ?? 0)),
      });
    } finally {
      this.#giveBack();
    }
  }

  /** Resolves when the put may read on: not paused, and holding a slot. Rejects once cancelled. */
  async #ready(): Promise<void> {
    const signal = this.#abort.signal;
    for (;;) {
      signal.throwIfAborted();
      if (this.#paused) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        continue;
      }
      if (this.#release) return;
      const release = await this.spec.slots.take(signal);
      if (this.#paused || signal.aborted) release();
      else this.#release = release;
    }
  }

  #giveBack(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }
}
