/**
 * The natsobj command line: a NATS JetStream Object Store client over TCP (nats://, tls://) or
 * WebSockets (ws://, wss://).
 *
 *   Deno:  deno run -A src/cli/main.ts <command> ...      (Deno's own WebSocket; TCP through npm compat)
 *   Node:  bin/natsobj <command> ...                      (the installed package runs its compiled
 *          dist/cli/main.js, a checkout of the repo this file through tsx; adds
 *          --experimental-websocket on Node 20, where WebSocket is not yet global)
 *
 * See `natsobj --help` for the commands, options and exit codes (src/cli/exit-codes.ts).
 */
import { run } from "./run.js";
import { currentRuntime } from "./runtime.js";

const rt = currentRuntime();
// The TCP transport can leave a socket error unhandled after a connection the server refused (Deno's
// Node compatibility reports ECONNRESET once the server has closed an unauthorized connection): the
// command has its outcome by then, so such a stray reset must not replace its exit code.
(globalThis as { addEventListener?: (type: "error", fn: (e: ErrorEvent) => void) => void }).addEventListener?.("error", (e) => {
  const code = (e.error as { code?: unknown } | undefined)?.code;
  if (code === "ECONNRESET" || code === "EPIPE") e.preventDefault();
});
rt.exit(await run(rt));
