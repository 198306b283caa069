/** What the CLI accepts: its commands, their arguments and options, and the help text built from them. */
import { EXIT_CODE_HELP } from "./exit-codes.js";

/** An option: `--name VALUE` when `value` is set, else a flag. */
export interface OptionSpec {
  name: string;
  short?: string;
  /** The value's placeholder in help (`URL`, `SIZE`); absent for flags. */
  value?: string;
  help: string;
}

/** A command: its positional arguments (`min`..`max`) and options. */
export interface CommandSpec {
  name: string;
  args: string;
  min: number;
  max: number;
  summary: string;
  options: OptionSpec[];
  /** Extra lines of help. */
  details?: string;
}

export const PROGRAM = "natsobj";

/** Options every command accepts. */
export const GLOBAL_OPTIONS: OptionSpec[] = [
  { name: "server", short: "s", value: "URL", help: "server URLs: nats://, tls:// (TCP), ws://, wss:// (env NATS_URL; default: the context's, else ws://127.0.0.1:8080)" },
  { name: "context", value: "NAME", help: "the nats CLI context to use (env NATS_CONTEXT; default: the one `nats context select` chose)" },
  { name: "user", value: "USER", help: "user name (env NATS_USER)" },
  { name: "password", value: "PASS", help: "password (env NATS_PASSWORD; prefer the env: arguments show in ps)" },
  { name: "token", value: "TOKEN", help: "auth token (env NATS_TOKEN; prefer the env)" },
  { name: "creds", value: "FILE", help: "user credentials file: JWT and seed (env NATS_CREDS)" },
  { name: "nkey", value: "FILE", help: "user nkey seed file (env NATS_NKEY)" },
  { name: "tlsca", value: "FILE", help: "CA certificate to trust (TCP; env NATS_CA)" },
  { name: "tlscert", value: "FILE", help: "TLS client certificate (TCP; env NATS_CERT)" },
  { name: "tlskey", value: "FILE", help: "TLS client key (TCP; env NATS_KEY)" },
  { name: "timeout", value: "DURATION", help: "time limit of connecting and of each request (default 10s)" },
  { name: "json", help: "machine-readable output: one JSON document (watch: one per line); errors as JSON on stderr" },
  { name: "progress", help: "show the progress bar even when stderr is not a terminal" },
  { name: "no-progress", help: "never show the progress bar" },
  { name: "quiet", short: "q", help: "print nothing but errors (and data)" },
  { name: "help", short: "h", help: "show help" },
  { name: "version", help: "print the version" },
];

export const COMMANDS: CommandSpec[] = [
  {
    name: "put",
    args: "<bucket> [<name>] <file|->",
    min: 2,
    max: 3,
    summary: "store a file, or stdin (-), as an object",
    options: [
      { name: "name", short: "n", value: "NAME", help: "object name (default: the file's base name; required for stdin)" },
      { name: "description", value: "TEXT", help: "object description" },
      { name: "chunk-size", value: "SIZE", help: "chunk size (default 128K)" },
    ],
    details: "  natsobj put b report.pdf            stored as report.pdf\n  tar c dir | natsobj put b backup.tar -",
  },
  {
    name: "get",
    args: "<bucket> <name>",
    min: 2,
    max: 2,
    summary: "read an object to a file, or to stdout (-o -); verified as it streams",
    options: [
      { name: "output", short: "o", value: "FILE", help: "where to write (default: the object's base name here; - for stdout)" },
      { name: "force", short: "f", help: "overwrite an existing file" },
    ],
    details: "  A file is written under a temporary name and renamed only once its digest checks out.",
  },
  { name: "ls", args: "[<bucket>]", min: 0, max: 1, summary: "list the buckets, or the objects in a bucket", options: [
    { name: "deleted", help: "include deleted objects" },
  ] },
  { name: "info", args: "<bucket> <name>", min: 2, max: 2, summary: "show an object's info", options: [] },
  { name: "rm", args: "<bucket> <name>", min: 2, max: 2, summary: "delete an object", options: [] },
  {
    name: "link",
    args: "<bucket> <name> <target-bucket> [<target-name>]",
    min: 3,
    max: 4,
    summary: "add <name> as a link to an object (or, without <target-name>, to a whole bucket)",
    options: [],
  },
  {
    name: "watch",
    args: "<bucket>",
    min: 1,
    max: 1,
    summary: "print the objects, then every change, until interrupted",
    options: [
      { name: "updates-only", help: "only changes from now on" },
      { name: "history", help: "every stored version, not only the latest" },
      { name: "ignore-deletes", help: "skip deletions" },
    ],
  },
  { name: "status", args: "<bucket>", min: 1, max: 1, summary: "show a bucket's status", options: [] },
  { name: "seal", args: "<bucket>", min: 1, max: 1, summary: "seal a bucket: no more changes", options: [] },
  {
    name: "add",
    args: "<bucket>",
    min: 1,
    max: 1,
    summary: "create a bucket (succeeds if it exists with the same config)",
    options: [
      { name: "storage", value: "file|memory", help: "storage type (default file)" },
      { name: "ttl", value: "DURATION", help: "remove objects older than this (e.g. 7d; default: never)" },
      { name: "max-bytes", value: "SIZE", help: "most bytes the bucket may hold (e.g. 10G; default: no limit)" },
      { name: "replicas", value: "N", help: "copies in a cluster (default 1)" },
      { name: "description", value: "TEXT", help: "bucket description" },
    ],
  },
  { name: "del", args: "<bucket>", min: 1, max: 1, summary: "delete a bucket and everything in it", options: [] },
];

/** Finds a command by name. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function optionLines(options: OptionSpec[]): string {
  const left = options.map((o) => `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.value ? ` ${o.value}` : ""}`);
  const width = Math.max(...left.map((l) => l.length)) + 2;
  return options.map((o, i) => `  ${left[i]!.padEnd(width)}${o.help}`).join("\n");
}

/** The help of the whole program. */
export function programHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.args}`.length)) + 2;
  return `${PROGRAM}: NATS JetStream Object Store over TCP or WebSockets

Usage: ${PROGRAM} [options] <command> [arguments]

Commands:
${COMMANDS.map((c) => `  ${`${c.name} ${c.args}`.padEnd(width)}${c.summary}`).join("\n")}

Options:
${optionLines(GLOBAL_OPTIONS)}

Run \`${PROGRAM} <command> --help\` for a command's options. Sizes: 512K, 10M, 1G (powers of 1024).
Durations: 90s, 10m, 1h30m, 7d.

${EXIT_CODE_HELP}
`;
}

/** The help of one command. */
export function commandHelp(c: CommandSpec): string {
  return `Usage: ${PROGRAM} ${c.name} ${c.args} [options]

${c.summary}
${c.details ? `\n${c.details}\n` : ""}${c.options.length ? `\nOptions:\n${optionLines(c.options)}\n` : ""}
Global options: ${GLOBAL_OPTIONS.map((o) => `--${o.name}`).join(" ")} (see ${PROGRAM} --help)
`;
}
