/**
 * The natsobj command line: a NATS JetStream Object Store client over WebSockets.
 *
 *   Deno:  deno run -A src/cli/main.ts <command> ...      (uses Deno's own WebSocket)
 *   Node:  bin/natsobj <command> ...                      (runs this file with tsx; adds
 *          --experimental-websocket on Node 20, where WebSocket is not yet global)
 *
 * See `natsobj --help` for the commands, options and exit codes (src/cli/exit-codes.ts).
 */
import { run } from "./run.js";
import { currentRuntime } from "./runtime.js";

const rt = currentRuntime();
rt.exit(await run(rt));
