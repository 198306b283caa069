/** The commands on objects: put, get, ls <bucket>, info, rm, link, watch. */
import type { ObjectMeta } from "../core/meta.js";
import { baseName } from "../platform/files.js";
import { flag, stringOption } from "./args.js";
import type { Command } from "./context.js";
import { CliError, EXIT, usageError } from "./exit-codes.js";
import { json, objectDetails, objectTable, transferLine, watchLine } from "./format.js";
import { examine, joinPath } from "./local-files.js";
import { ProgressBar } from "./progress.js";
import { copyToOutput, untilAborted } from "./streams.js";
import { parseSize } from "./units.js";

/** `put <bucket> [<name>] <file|->` */
export const put: Command = async (ctx) => {
  const [bucket, first, second] = ctx.p.args as [string, string, string | undefined];
  let name = stringOption(ctx.p, "name");
  let source = first;
  if (second !== undefined) {
    if (name !== undefined && name !== first) throw usageError(`two names given: ${JSON.stringify(first)} and --name ${JSON.stringify(name)}`);
    name = first;
    source = second;
  }
  const chunkOption = stringOption(ctx.p, "chunk-size");
  const chunkSize = chunkOption === undefined ? undefined : parseSize(chunkOption, "--chunk-size");
  const meta: Partial<ObjectMeta> = {};
  if (name !== undefined) meta.name = name;
  const description = stringOption(ctx.p, "description");
  if (description !== undefined) meta.description = description;

  let total: number | undefined;
  if (source === "-") {
    if (name === undefined) throw usageError("put from stdin needs a name: put <bucket> <name> -   (or --name NAME)");
  } else {
    const at = await examine(source);
    if (at.kind === "missing") throw new CliError(EXIT.NOT_FOUND, "FILE_NOT_FOUND", `no such file: ${source}`);
    if (at.kind !== "file") throw usageError(`not a regular file: ${source} (use - and a pipe for other sources)`);
    total = at.size;
  }

  const os = await (await ctx.manager()).objectStore(bucket);
  const label = `put ${meta.name ?? baseName(source)}`;
  const bar = new ProgressBar(ctx.rt.stderr, label, total, ctx.progress);
  const opts = {
    signal: ctx.signal,
    onProgress: (p: { bytes: number }) => bar.update(p.bytes),
    ...(chunkSize !== undefined ? { chunkSize } : {}),
  };
  const t0 = Date.now();
  try {
    const info = source === "-"
      ? await os.put(meta as ObjectMeta, untilAborted(ctx.rt.stdin(), ctx.signal), opts)
      : await os.putFile(source, { ...opts, meta });
    await bar.finish();
    await ctx.result(info, transferLine("stored", info, `${bucket}/${info.name}`, Date.now() - t0));
  } catch (err) {
    await bar.clear();
    throw err;
  }
};

/** `get <bucket> <name> [-o file|-]` */
export const get: Command = async (ctx) => {
  const [bucket, name] = ctx.p.args as [string, string];
  const output = stringOption(ctx.p, "output");
  let target: string | undefined;
  if (output !== "-") {
    target = output ?? defaultOutput(name);
    const at = await examine(target);
    if (at.kind === "directory") {
      target = joinPath(target, defaultOutput(name));
      const inside = await examine(target);
      if (inside.kind !== "missing" && !flag(ctx.p, "force")) throw exists(target);
    } else if (at.kind !== "missing" && !flag(ctx.p, "force")) throw exists(target);
  }

  const os = await (await ctx.manager()).objectStore(bucket);
  const bar = new ProgressBar(ctx.rt.stderr, `get ${name}`, undefined, ctx.progress);
  const opts = { signal: ctx.signal, onProgress: (p: { bytes: number; total?: number }) => bar.update(p.bytes, p.total) };
  const t0 = Date.now();
  try {
    if (target === undefined) {
      const res = await os.get(name, opts);
      await copyToOutput(res.body, ctx.rt.stdout);
      await bar.finish();
      return;
    }
    const info = await os.getFile(name, target, opts);
    await bar.finish();
    await ctx.result(info, transferLine("wrote", info, target, Date.now() - t0));
  } catch (err) {
    await bar.clear();
    throw err;
  }
};

function exists(path: string): CliError {
  return new CliError(EXIT.CONFLICT, "FILE_EXISTS", `${path} exists: use --force to overwrite it, or -o to write elsewhere`);
}

/** The file a get writes when no -o is given: the object name's last part, in the current directory. */
function defaultOutput(name: string): string {
  const base = baseName(name);
  if (base === "" || base === "." || base === "..") throw usageError(`cannot name a file after ${JSON.stringify(name)}: give -o FILE`);
  return base;
}

/** `ls <bucket>` */
export const listObjects: Command = async (ctx) => {
  const os = await (await ctx.manager()).objectStore(ctx.p.args[0]!);
  const infos = await os.list({ includeDeleted: flag(ctx.p, "deleted") });
  await ctx.result(infos, objectTable(infos));
};

/** `info <bucket> <name>` */
export const info: Command = async (ctx) => {
  const [bucket, name] = ctx.p.args as [string, string];
  const os = await (await ctx.manager()).objectStore(bucket);
  const i = await os.getInfo(name);
  await ctx.result(i, objectDetails(i));
};

/** `rm <bucket> <name>` */
export const remove: Command = async (ctx) => {
  const [bucket, name] = ctx.p.args as [string, string];
  const os = await (await ctx.manager()).objectStore(bucket);
  await os.delete(name);
  await ctx.result({ bucket, name, deleted: true }, `deleted ${bucket}/${name}\n`);
};

/** `link <bucket> <name> <target-bucket> [<target-name>]` */
export const link: Command = async (ctx) => {
  const [bucket, name, targetBucket, targetName] = ctx.p.args as [string, string, string, string | undefined];
  const m = await ctx.manager();
  const os = await m.objectStore(bucket);
  const target = targetBucket === bucket ? os : await m.objectStore(targetBucket);
  const i = targetName === undefined
    ? await os.addBucketLink(name, target)
    : await os.addLink(name, await target.getInfo(targetName));
  await ctx.result(i, `linked ${bucket}/${name} -> ${targetBucket}${targetName === undefined ? " (whole bucket)" : `/${targetName}`}\n`);
};

/** `watch <bucket>`: runs until interrupted (exit 0) or the connection is lost (exit 5). */
export const watch: Command = async (ctx) => {
  const m = await ctx.manager();
  const os = await m.objectStore(ctx.p.args[0]!);
  const w = await os.watch({
    updatesOnly: flag(ctx.p, "updates-only"),
    includeHistory: flag(ctx.p, "history"),
    ignoreDeletes: flag(ctx.p, "ignore-deletes"),
  });
  const stop = () => w.stop();
  ctx.signal.addEventListener("abort", stop, { once: true });
  void w.initialized.then(() => ctx.note(`watching ${os.bucket} for changes (Ctrl-C to stop)\n`));
  for await (const i of w) {
    await ctx.rt.stdout.write(ctx.json ? json(i, true) : watchLine(i));
  }
  const why: unknown = ctx.signal.reason;
  if (why instanceof CliError && why.exitCode === EXIT.CONNECTION) throw why;
  if (!ctx.signal.aborted) throw new CliError(EXIT.CONNECTION, "CONNECTION_CLOSED", "the watch ended: connection lost");
  return EXIT.OK; // interrupted: the normal way to end a watch
};
