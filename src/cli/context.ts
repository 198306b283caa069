/** What every command gets: the parsed command line, the process, output helpers and the store. */
import type { ObjectStoreManager } from "../manager.js";
import type { ParsedArgs } from "./args.js";
import type { Runtime } from "./runtime.js";

export interface CommandContext {
  readonly rt: Runtime;
  readonly p: ParsedArgs;
  /** `--json`: print one JSON document on stdout. */
  readonly json: boolean;
  /** `--quiet`: print nothing but data and errors. */
  readonly quiet: boolean;
  /** Whether to draw a progress bar on stderr. */
  readonly progress: boolean;
  /** Aborted on SIGINT / SIGTERM (reason: exit 130), or when the connection is lost for good (exit 5). */
  readonly signal: AbortSignal;
  /** Connects on first use. */
  manager(): Promise<ObjectStoreManager>;
  /** Writes a result to stdout (JSON with --json, else `text` unless --quiet). */
  result(value: unknown, text: string): Promise<void>;
  /** Writes a note to stderr (not with --quiet or --json). */
  note(text: string): Promise<void>;
}

/** A command: resolves with the exit code (0 when void). */
export type Command = (ctx: CommandContext) => Promise<number | void>;
