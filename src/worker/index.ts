/**
 * The Worker transfer mode (package subpath `nats-objectstore-web/worker`): a page's object store whose
 * put and get run their hashing and NATS socket in a dedicated Worker. The page uses
 * {@link workerObjectStore}; the Worker script calls {@link serveObjectStores}.
 * @module
 */
export { workerObjectStore, WorkerObjectStore, canTransferStreams, type WorkerObjectStoreOptions, type WorkerTarget, type WorkerPutOptions, type WorkerGetOptions } from "./client.js";
export { serveObjectStores, type ObjectStoreHost, type ServeObjectStoresOptions, type WorkerConnect, type MessageScope } from "./host.js";
