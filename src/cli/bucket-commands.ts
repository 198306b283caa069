/** The commands on buckets: ls (all buckets), status, seal, add, del. */
import type { ObjectStoreConfig, StorageType } from "../core/bucket-config.js";
import { stringOption } from "./args.js";
import type { Command } from "./context.js";
import { usageError } from "./exit-codes.js";
import { bucketTable, statusDetails } from "./format.js";
import { parseDuration, parseSize } from "./units.js";

/** `ls` */
export const listBuckets: Command = async (ctx) => {
  const list = await (await ctx.manager()).list();
  await ctx.result(list, bucketTable(list));
};

/** `status <bucket>` */
export const status: Command = async (ctx) => {
  const s = await (await (await ctx.manager()).objectStore(ctx.p.args[0]!)).status();
  await ctx.result(s, statusDetails(s));
};

/** `seal <bucket>` */
export const seal: Command = async (ctx) => {
  const os = await (await ctx.manager()).objectStore(ctx.p.args[0]!);
  await os.seal();
  await ctx.result(await os.status(), `sealed ${os.bucket}\n`);
};

/** The bucket config from `add`'s options. */
export function bucketConfig(bucket: string, opt: (name: string) => string | undefined): ObjectStoreConfig {
  const config: ObjectStoreConfig = { bucket };
  const storage = opt("storage");
  if (storage !== undefined) {
    if (storage !== "file" && storage !== "memory") throw usageError(`--storage must be file or memory, not ${JSON.stringify(storage)}`);
    config.storage = storage as StorageType;
  }
  const ttl = opt("ttl");
  if (ttl !== undefined) config.ttl = parseDuration(ttl, "--ttl");
  const maxBytes = opt("max-bytes");
  if (maxBytes !== undefined) config.maxBytes = parseSize(maxBytes, "--max-bytes");
  const replicas = opt("replicas");
  if (replicas !== undefined) {
    const n = Number(replicas);
    if (!/^\d+$/.test(replicas) || n < 1 || n > 5) throw usageError(`--replicas must be 1 to 5, not ${JSON.stringify(replicas)}`);
    config.replicas = n;
  }
  const description = opt("description");
  if (description !== undefined) config.description = description;
  return config;
}

/** `add <bucket> [--storage --ttl --max-bytes --replicas --description]` */
export const add: Command = async (ctx) => {
  const config = bucketConfig(ctx.p.args[0]!, (name) => stringOption(ctx.p, name));
  const os = await (await ctx.manager()).createObjectStore(config);
  await ctx.result(await os.status(), `created bucket ${os.bucket}\n`);
};

/** `del <bucket>` */
export const del: Command = async (ctx) => {
  const bucket = ctx.p.args[0]!;
  await (await ctx.manager()).deleteObjectStore(bucket);
  await ctx.result({ bucket, deleted: true }, `deleted bucket ${bucket}\n`);
};
