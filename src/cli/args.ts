/**
 * Command-line parsing: `[options] <command> [arguments] [options]`. Options may come before or after
 * the command; `--opt value`, `--opt=value`, `-o value`; `--` ends the options; a lone `-` is an
 * argument (stdin or stdout). Anything wrong is a usage error (exit 2).
 */
import { usageError } from "./exit-codes.js";
import { COMMANDS, GLOBAL_OPTIONS, findCommand, type CommandSpec, type OptionSpec } from "./spec.js";

/** A parsed command line. */
export interface ParsedArgs {
  /** The command, or undefined when none was given (`--help`, `--version`, or nothing). */
  command?: CommandSpec;
  /** The command's arguments. */
  args: string[];
  /** Options by long name: a string for valued options, `true` for flags. */
  options: Record<string, string | true>;
}

/** Every option any command knows, by long and short name (they agree on whether they take a value). */
function optionIndex(): Map<string, OptionSpec> {
  const index = new Map<string, OptionSpec>();
  for (const o of [...GLOBAL_OPTIONS, ...COMMANDS.flatMap((c) => c.options)]) {
    index.set(`--${o.name}`, o);
    if (o.short) index.set(`-${o.short}`, o);
  }
  return index;
}

/** Parses `argv` (without the program name). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  const index = optionIndex();
  const positionals: string[] = [];
  const options: Record<string, string | true> = {};
  const seen: OptionSpec[] = [];
  let endOfOptions = false;

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (endOfOptions || a === "-" || !a.startsWith("-")) {
      positionals.push(a);
      continue;
    }
    if (a === "--") {
      endOfOptions = true;
      continue;
    }
    const eq = a.startsWith("--") ? a.indexOf("=") : -1;
    const key = eq > 0 ? a.slice(0, eq) : a;
    const spec = index.get(key);
    if (!spec) throw usageError(`unknown option ${key}`);
    if (spec.value) {
      let value: string | undefined;
      if (eq > 0) value = a.slice(eq + 1);
      else {
        value = argv[++i];
        if (value === undefined) throw usageError(`${key} needs a value (${spec.value})`);
      }
      options[spec.name] = value;
    } else {
      if (eq > 0) throw usageError(`${key} takes no value`);
      options[spec.name] = true;
    }
    seen.push(spec);
  }

  const [name, ...args] = positionals;
  if (name === undefined) {
    return { args: [], options };
  }
  const command = findCommand(name);
  if (!command) throw usageError(`unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
  if (options.help) return { command, args, options };

  for (const spec of seen) {
    if (!GLOBAL_OPTIONS.includes(spec) && !command.options.some((o) => o.name === spec.name)) {
      throw usageError(`${command.name} has no option --${spec.name}`);
    }
  }
  if (args.length < command.min || args.length > command.max) {
    const want = command.min === command.max ? `${command.min}` : `${command.min} to ${command.max}`;
    throw usageError(`${command.name} takes ${want} argument${command.max === 1 ? "" : "s"}: ${command.name} ${command.args}`);
  }
  return { command, args, options };
}

/** A valued option as a string, or undefined. */
export function stringOption(p: ParsedArgs, name: string): string | undefined {
  const v = p.options[name];
  return typeof v === "string" ? v : undefined;
}

/** A flag's state. */
export function flag(p: ParsedArgs, name: string): boolean {
  return p.options[name] === true;
}
