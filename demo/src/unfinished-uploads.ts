/**
 * Unfinished uploads, kept in IndexedDB so a reload (or a crash) does not lose them: per bucket and
 * file (name, size, last-modified), the put's latest checkpoint. Picking the same file again offers to
 * resume; the library then checks the first chunk's digest and asks the server what it holds.
 */
import { DEFAULT_ORPHAN_MIN_AGE_MS, type UploadCheckpoint } from "nats-objectstore-web";

/** One unfinished upload. */
export interface Unfinished {
  key: string;
  bucket: string;
  fileName: string;
  size: number;
  lastModified: number;
  checkpoint: UploadCheckpoint;
  savedAt: number;
}

const DB = "nats-objectstore-demo";
const STORE = "unfinished-uploads";
/**
 * Offers expire with the library's orphan clean-up age: past it, `purgeOrphanChunks` may have removed
 * the chunks (a resume would then simply start over).
 */
const MAX_AGE_MS = DEFAULT_ORPHAN_MIN_AGE_MS;

let db: Promise<IDBDatabase> | undefined;

function open(): Promise<IDBDatabase> {
  db ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: "key" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return db;
}

async function run<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const store = (await open()).transaction(STORE, mode).objectStore(STORE);
  return new Promise((resolve, reject) => {
    const req = fn(store);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

const keyOf = (bucket: string, file: File) => JSON.stringify([bucket, file.name, file.size, file.lastModified]);

/** The unfinished upload of this file to this bucket, if one is recorded and not too old. */
export async function findUnfinished(bucket: string, file: File): Promise<Unfinished | undefined> {
  const rec = await run<Unfinished | undefined>("readonly", (s) => s.get(keyOf(bucket, file)));
  return rec && Date.now() - rec.savedAt < MAX_AGE_MS ? rec : undefined;
}

/** Every unfinished upload recorded for a bucket, newest first. */
export async function listUnfinished(bucket: string): Promise<Unfinished[]> {
  const all = await run<Unfinished[]>("readonly", (s) => s.getAll());
  return all.filter((r) => r.bucket === bucket && Date.now() - r.savedAt < MAX_AGE_MS).sort((a, b) => b.savedAt - a.savedAt);
}

/** Records a checkpoint of a file's upload. */
export async function saveCheckpoint(bucket: string, file: File, checkpoint: UploadCheckpoint): Promise<void> {
  const rec: Unfinished = {
    key: keyOf(bucket, file), bucket, fileName: file.name, size: file.size, lastModified: file.lastModified,
    checkpoint, savedAt: Date.now(),
  };
  await run("readwrite", (s) => s.put(rec));
}

/** Forgets a file's unfinished upload (done, cancelled, or declined). */
export async function forgetUnfinished(bucket: string, file: File | Unfinished): Promise<void> {
  const key = "key" in file ? file.key : keyOf(bucket, file);
  await run("readwrite", (s) => s.delete(key));
}

/**
 * A checkpoint saver for one upload: the first checkpoint is written at once, later ones at most every
 * `everyMs` (the server, not the checkpoint, says how far a resume can skip, so a late one costs little).
 */
export function checkpointSaver(bucket: string, file: File, everyMs = 250): { save(cp: UploadCheckpoint): void; stop(): Promise<void> } {
  let last = 0;
  let pending: UploadCheckpoint | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  const write = () => {
    timer = undefined;
    const cp = pending;
    pending = undefined;
    last = Date.now();
    if (cp) writing = writing.then(() => saveCheckpoint(bucket, file, cp)).catch(() => undefined);
  };
  return {
    save(cp) {
      pending = cp;
      if (timer) return;
      const wait = last + everyMs - Date.now();
      if (wait <= 0) write();
      else timer = setTimeout(write, wait);
    },
    async stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      await writing;
    },
  };
}
