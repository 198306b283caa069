/**
 * The CLI's view of the process, the same in Deno (its own APIs) and Node: arguments, environment,
 * the standard streams, signals and exit. Nothing else in the CLI touches `Deno` or `process`.
 */

/** A writable standard stream. */
export interface Output {
  /** True when it is a terminal. */
  readonly isTTY: boolean;
  /** Its width in columns (80 when unknown). */
  columns(): number;
  /** Writes bytes or text; resolves once written (backpressure). Rejects with `code: "EPIPE"` on a broken pipe. */
  write(data: Uint8Array | string): Promise<void>;
}

/** The process, as the CLI uses it. */
export interface Runtime {
  readonly name: "deno" | "node";
  readonly args: string[];
  env(name: string): string | undefined;
  /** Standard input as a byte stream. */
  stdin(): ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
  readonly stdout: Output;
  readonly stderr: Output;
  /** Calls `fn` on SIGINT and SIGTERM; returns a function that removes the handlers. */
  onInterrupt(fn: () => void): () => void;
  exit(code: number): never;
}

const utf8 = new TextEncoder();

interface DenoWriter {
  write(p: Uint8Array): Promise<number>;
  isTerminal(): boolean;
}
interface DenoApi {
  version?: unknown;
  args: string[];
  env: { get(name: string): string | undefined };
  stdin: { readable: ReadableStream<Uint8Array> };
  stdout: DenoWriter;
  stderr: DenoWriter;
  consoleSize(): { columns: number };
  addSignalListener(sig: string, fn: () => void): void;
  removeSignalListener(sig: string, fn: () => void): void;
  exit(code: number): never;
  errors: { BrokenPipe: new () => Error };
}

function denoOutput(deno: DenoApi, w: DenoWriter): Output {
  const isTTY = w.isTerminal();
  return {
    isTTY,
    columns() {
      try {
        return isTTY ? deno.consoleSize().columns : 80;
      } catch {
        return 80;
      }
    },
    async write(data) {
      let bytes = typeof data === "string" ? utf8.encode(data) : data;
      try {
        while (bytes.length > 0) bytes = bytes.subarray(await w.write(bytes));
      } catch (err) {
        if (err instanceof deno.errors.BrokenPipe) throw Object.assign(new Error("broken pipe"), { code: "EPIPE" });
        throw err;
      }
    },
  };
}

function denoRuntime(deno: DenoApi): Runtime {
  return {
    name: "deno",
    args: deno.args,
    env: (name) => deno.env.get(name),
    stdin: () => deno.stdin.readable,
    stdout: denoOutput(deno, deno.stdout),
    stderr: denoOutput(deno, deno.stderr),
    onInterrupt(fn) {
      for (const s of ["SIGINT", "SIGTERM"]) deno.addSignalListener(s, fn);
      return () => {
        for (const s of ["SIGINT", "SIGTERM"]) deno.removeSignalListener(s, fn);
      };
    },
    exit: (code) => deno.exit(code),
  };
}

interface NodeStream {
  isTTY?: boolean;
  columns?: number;
  write(data: Uint8Array | string, cb: (err?: Error | null) => void): boolean;
  on(event: "error", fn: (err: Error) => void): void;
}
interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  stdin: AsyncIterable<Uint8Array>;
  stdout: NodeStream;
  stderr: NodeStream;
  on(sig: string, fn: () => void): void;
  off(sig: string, fn: () => void): void;
  exit(code: number): never;
}

function nodeOutput(s: NodeStream): Output {
  let broken: Error | undefined;
  // an EPIPE is also emitted as an 'error' event; without a listener it would crash the process
  s.on("error", (err) => {
    broken = err;
  });
  return {
    isTTY: s.isTTY === true,
    columns: () => (s.isTTY && s.columns ? s.columns : 80),
    write(data) {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        s.write(data, (err) => (err ? reject(err) : resolve()));
      });
    },
  };
}

function nodeRuntime(p: NodeProcess): Runtime {
  const stdout = nodeOutput(p.stdout);
  const stderr = nodeOutput(p.stderr);
  return {
    name: "node",
    args: p.argv.slice(2),
    env: (name) => p.env[name],
    stdin: () => p.stdin,
    stdout,
    stderr,
    onInterrupt(fn) {
      p.on("SIGINT", fn);
      p.on("SIGTERM", fn);
      return () => {
        p.off("SIGINT", fn);
        p.off("SIGTERM", fn);
      };
    },
    exit: (code) => p.exit(code),
  };
}

/** The runtime this process runs in. */
export function currentRuntime(): Runtime {
  const g = globalThis as { Deno?: DenoApi; process?: NodeProcess };
  if (g.Deno?.version !== undefined && typeof g.Deno.args !== "undefined") return denoRuntime(g.Deno);
  if (g.process?.argv) return nodeRuntime(g.process);
  throw new Error("the CLI runs in Deno or Node");
}
