/**
 * The message id (`Nats-Msg-Id`) this library gives each chunk: `<nuid>.<index>`, or
 * `<nuid>.<index>.<tag>` when a put sends it again after a recovery. The server stores a re-sent id
 * once; readers use the index to check a run of chunks and to find a chunk without reading the others.
 */

/** The id of chunk `index` of the put writing to `nuid`'s subject. */
export function chunkMsgId(nuid: string, index: number, tag = ""): string {
  return tag ? `${nuid}.${index}.${tag}` : `${nuid}.${index}`;
}

/** The chunk index in a chunk's message id, or -1 when the id is not one of ours for `nuid`. */
export function chunkIndexOf(msgId: string | undefined, nuid: string): number {
  if (!msgId?.startsWith(`${nuid}.`)) return -1;
  const index = Number(msgId.slice(nuid.length + 1).split(".")[0]);
  return Number.isSafeInteger(index) && index >= 0 ? index : -1;
}
