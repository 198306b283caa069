/** The CLI's byte streams: stdin that stops reading when interrupted, and a body copied to stdout. */
import { AbortedError } from "../core/errors.js";
import { CliError, EXIT } from "./exit-codes.js";
import type { Output } from "./runtime.js";

export { untilAborted } from "../core/abortable.js";

/** Copies a body to stdout with backpressure; the reader going away (broken pipe) is exit 141. */
export async function copyToOutput(body: ReadableStream<Uint8Array>, out: Output): Promise<void> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    try {
      await out.write(value);
    } catch (err) {
      await reader.cancel().catch(() => undefined);
      if ((err as { code?: string }).code === "EPIPE") throw new CliError(EXIT.BROKEN_PIPE, "BROKEN_PIPE", "stdout closed");
      throw err;
    }
  }
}
