/** Sends a run of chunks through a chunk publisher, as a put would (Node tests of the publishers). */

/** What the tests need of a publisher (both the windowed and the fast-batch one have it). */
export interface RunPublisher {
  publish(data: Uint8Array): Promise<void>;
  flush(): Promise<void>;
  close(): void;
}

/** Publishes `payload` `n` times, waits until the server holds them all, and closes the publisher. */
export async function publishAll(publisher: RunPublisher, n: number, payload: Uint8Array): Promise<void> {
  try {
    for (let i = 0; i < n; i++) await publisher.publish(payload);
    await publisher.flush();
  } finally {
    publisher.close();
  }
}
