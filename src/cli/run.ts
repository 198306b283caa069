/**
 * One run of the CLI: parse, connect on demand, run the command, report errors (redacted), close the
 * connection, and return the exit code. Handles Ctrl-C: the running put/get is aborted (it cleans up)
 * and the exit code is 130; a second Ctrl-C (after 500 ms) exits at once.
 */
import type { NatsConnectionLike } from "../transport/connection.js";
import { objectStoreManager, type ObjectStoreManager } from "../manager.js";
import { flag, parseArgs, stringOption, type ParsedArgs } from "./args.js";
import * as buckets from "./bucket-commands.js";
import { openConnection } from "./connect.js";
import { connectSettings, redactor, type ConnectSettings } from "./connect-settings.js";
import type { Command, CommandContext } from "./context.js";
import { CliError, EXIT, classify, usageError } from "./exit-codes.js";
import { json } from "./format.js";
import { packageVersion } from "./local-files.js";
import * as objects from "./object-commands.js";
import type { Runtime } from "./runtime.js";
import { PROGRAM, commandHelp, programHelp } from "./spec.js";
import { parseDuration } from "./units.js";

const COMMANDS: Record<string, Command> = {
  put: objects.put,
  get: objects.get,
  ls: (ctx) => (ctx.p.args.length === 0 ? buckets.listBuckets(ctx) : objects.listObjects(ctx)),
  info: objects.info,
  rm: objects.remove,
  link: objects.link,
  watch: objects.watch,
  status: buckets.status,
  seal: buckets.seal,
  add: buckets.add,
  del: buckets.del,
};

/** Secrets visible before the arguments are parsed: the values after --password/--token, and the env's. */
function earlySecrets(rt: Runtime): string[] {
  const out: string[] = [];
  rt.args.forEach((a, i) => {
    if (a === "--password" || a === "--token") out.push(rt.args[i + 1] ?? "");
    const m = /^--(?:password|token)=(.*)$/.exec(a);
    if (m) out.push(m[1]!);
  });
  out.push(rt.env("NATS_PASSWORD") ?? "", rt.env("NATS_TOKEN") ?? "");
  return out.filter((s) => s.length > 0);
}

/** Runs the command line of `rt`; resolves with the exit code. */
export async function run(rt: Runtime): Promise<number> {
  const wantsJson = rt.args.includes("--json");
  const secrets = earlySecrets(rt);
  let redact = redactor(undefined, secrets);
  let settings: ConnectSettings | undefined;
  let nc: NatsConnectionLike | undefined;
  let connecting = false;
  let connectionLost = false;
  let finished = false;

  const controller = new AbortController();
  let interruptedAt = 0;
  const removeInterrupt = rt.onInterrupt(() => {
    // a second interrupt exits at once; one within 500 ms is the same Ctrl-C delivered twice (terminal + wrapper)
    if (controller.signal.aborted) {
      if (Date.now() - interruptedAt > 500) rt.exit(EXIT.INTERRUPTED);
      return;
    }
    interruptedAt = Date.now();
    controller.abort(new CliError(EXIT.INTERRUPTED, "INTERRUPTED", "interrupted"));
    // a command that does not watch the signal gets a moment to finish, then the process ends
    setTimeout(() => rt.exit(EXIT.INTERRUPTED), 5_000);
  });

  try {
    const args = rt.args[0] === "help" ? [...rt.args.slice(1), "--help"] : rt.args;
    const p = parseArgs(args);
    if (flag(p, "version")) {
      await rt.stdout.write(`${PROGRAM} ${await packageVersion()}\n`);
      return EXIT.OK;
    }
    if (flag(p, "help")) {
      await rt.stdout.write(p.command ? commandHelp(p.command) : programHelp());
      return EXIT.OK;
    }
    if (!p.command) {
      await rt.stderr.write(programHelp());
      return EXIT.USAGE;
    }
    const timeoutMs = parseDuration(stringOption(p, "timeout") ?? "10s", "--timeout");
    if (timeoutMs <= 0) throw usageError("--timeout must be more than 0");
    settings = await connectSettings(p, rt, timeoutMs);
    redact = redactor(settings, secrets);
    const s = settings;

    let manager: ObjectStoreManager | undefined;
    const ctx: CommandContext = {
      rt,
      p,
      json: flag(p, "json"),
      quiet: flag(p, "quiet"),
      progress: showProgress(p, rt),
      signal: controller.signal,
      async manager() {
        if (!manager) {
          connecting = true;
          try {
            nc = await openConnection(s);
          } catch (err) {
            const c = classify(err, true);
            throw new CliError(c.exitCode, c.code === "PERMISSION_DENIED" ? c.code : "CONNECTION_FAILED",
              `cannot connect to ${s.server}: ${c.message}`);
          } finally {
            connecting = false;
          }
          manager = objectStoreManager(nc, { timeout: timeoutMs, ...(s.apiPrefix !== undefined ? { apiPrefix: s.apiPrefix } : {}) });
          // the library notices a dead connection only after its idle timeouts: stop at once instead
          void nc.closed().then(() => {
            if (controller.signal.aborted || finished) return;
            connectionLost = true;
            controller.abort(new CliError(EXIT.CONNECTION, "CONNECTION_CLOSED", `lost the connection to ${s.server}`));
          });
        }
        return manager;
      },
      async result(value, text) {
        if (flag(p, "json")) await rt.stdout.write(redact(json(value)));
        else if (!flag(p, "quiet")) await rt.stdout.write(redact(text));
      },
      async note(text) {
        if (!flag(p, "json") && !flag(p, "quiet")) await rt.stderr.write(redact(text));
      },
    };
    const command = COMMANDS[p.command.name]!;
    const code = await command(ctx);
    finished = true;
    return code ?? EXIT.OK;
  } catch (err) {
    finished = true;
    const c = classify(err, connecting);
    if (c.exitCode === EXIT.BROKEN_PIPE || (err as { code?: string })?.code === "EPIPE") return EXIT.BROKEN_PIPE;
    if (connectionLost && c.exitCode !== EXIT.CONNECTION) {
      // whatever surfaced (an abort, a timeout) came of the lost connection
      Object.assign(c, { exitCode: EXIT.CONNECTION, code: "CONNECTION_CLOSED", message: `lost the connection to ${settings?.server}: ${c.message}` });
    } else if (controller.signal.aborted && !connectionLost && c.exitCode !== EXIT.INTERRUPTED) {
      // the interrupt surfaced as some other error: still an interruption
      c.exitCode = EXIT.INTERRUPTED;
    }
    const text = wantsJson
      ? json({ error: { code: c.code, message: c.message, exitCode: c.exitCode } }, true)
      : `${PROGRAM}: ${c.message}${c.exitCode === EXIT.USAGE && !/--help/.test(c.message) ? `\n(see ${PROGRAM} --help)` : ""}\n`;
    await rt.stderr.write(redact(text)).catch(() => undefined);
    return c.exitCode;
  } finally {
    removeInterrupt();
    if (nc && !nc.isClosed()) await Promise.race([nc.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000))]);
  }
}

function showProgress(p: ParsedArgs, rt: Runtime): boolean {
  if (flag(p, "json") || flag(p, "quiet") || flag(p, "no-progress")) return false;
  return flag(p, "progress") || rt.stderr.isTTY;
}
