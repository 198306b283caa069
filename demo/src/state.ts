/** The app's shared state: the connection, its manager and the selected bucket, with change events. */
import type { ObjectStore, ObjectStoreManager } from "nats-objectstore-web";
import type { ClientId, DemoConnection } from "./clients.js";

type AppEvent =
  /** Connected or disconnected. */
  | "connection"
  /** Another bucket was selected (or none). */
  | "bucket"
  /** Buckets were created, deleted or changed: the list should be reloaded. */
  | "buckets-changed"
  /** The selected bucket's contents changed: its status should be reloaded. */
  | "bucket-changed";

class AppState extends EventTarget {
  /** The connection, by either client (clients.ts). */
  nc: DemoConnection | undefined;
  /** The client it was opened with. */
  client: ClientId | undefined;
  manager: ObjectStoreManager | undefined;
  store: ObjectStore | undefined;

  emit(type: AppEvent): void {
    this.dispatchEvent(new Event(type));
  }

  on(type: AppEvent, fn: () => void): void {
    this.addEventListener(type, fn);
  }
}

export const app = new AppState();
