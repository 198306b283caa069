/**
 * The hashing Worker of the benchmark's page (bench/.build/page/hash-worker.js): SHA-256 for the
 * `ours [hash worker…]` rows' puts and gets (`workerSha256` on the page's side).
 */
import { serveHashing, type LanePort } from "../src/index.ts";

serveHashing(self as unknown as LanePort);
