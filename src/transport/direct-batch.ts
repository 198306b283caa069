/**
 * Batched direct gets (nats-server 2.11+, API level 1, streams with `allow_direct`): the messages on a
 * (wildcard) subject from a stream sequence on, a page of up to `batch` per request, each page ended by
 * a `204 EOB` status that says how many more match. No consumer is made, so reading leaves nothing on
 * the server, and any replica of the stream answers.
 */
import { ObjectStoreError, ServerError } from "../core/errors.js";
import { type ReceivedHeaders, type ReceivedMessage } from "./connection.js";
import { fromApiError, fromNatsError } from "./errors.js";
import type { JetStreamClient, StoredMsg } from "./jetstream.js";

const enc = new TextEncoder();

/** The messages of one page, and how many more match past its last one. */
interface Page {
  msgs: StoredMsg[];
  /** Matching messages left after this page (0: done). */
  pending: number;
  /** The stream sequence of the page's last message. */
  lastSeq: number;
}

/** The default page size: large, since the server counts what is pending at the start of every page. */
export const DEFAULT_DIRECT_BATCH = 10_000;

/**
 * Every message on `filter` in stream order, read by batched direct gets, a page at a time. Rejects with
 * `TIMEOUT` when the server goes quiet for the client's timeout in the middle of a page.
 */
export async function* directBatchMessages(
  js: JetStreamClient,
  stream: string,
  filter: string,
  what: string,
  batch = DEFAULT_DIRECT_BATCH,
): AsyncGenerator<StoredMsg> {
  for (let seq = 1; ; ) {
    let page: Page;
    try {
      page = await directBatchPage(js, stream, { seq, next_by_subj: filter, batch }, what);
    } catch (err) {
      throw err instanceof ObjectStoreError ? await js.streamGoneOr(stream, err, what) : err;
    }
    yield* page.msgs;
    if (page.pending === 0 || page.msgs.length === 0) return;
    seq = page.lastSeq + 1;
  }
}

/** One batched direct get: its messages up to the `204 EOB`. */
function directBatchPage(
  js: JetStreamClient,
  stream: string,
  request: { seq: number; next_by_subj: string; batch: number },
  what: string,
): Promise<Page> {
  return new Promise<Page>((resolve, reject) => {
    const inbox = js.newInbox();
    const msgs: StoredMsg[] = [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let done = false;
    const finish = (outcome: { page: Page } | { error: unknown }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sub.unsubscribe();
      if ("page" in outcome) resolve(outcome.page);
      else reject(outcome.error);
    };
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => finish({ error: new ServerError("TIMEOUT", `${what}: timed out`) }), js.timeout);
    };
    const sub = js.nc.subscribe(inbox, {
      callback: (err, m) => {
        if (err) return finish({ error: fromNatsError(err, what) });
        arm();
        try {
          const page = onReply(m, msgs);
          if (page) finish({ page });
        } catch (error) {
          finish({ error });
        }
      },
    });
    arm();
    try {
      js.nc.publish(`${js.prefix}.DIRECT.GET.${stream}`, enc.encode(JSON.stringify(request)), { reply: inbox });
    } catch (err) {
      finish({ error: fromNatsError(err, what) });
    }

    function onReply(m: ReceivedMessage, into: StoredMsg[]): Page | undefined {
      const h = m.headers;
      if (!h) throw fromApiError({ description: "unexpected direct get reply without headers" }, what);
      if (h.code === 204) {
        return { msgs: into, pending: intHeader(h, "Nats-Num-Pending"), lastSeq: intHeader(h, "Nats-Last-Sequence") };
      }
      if (h.code === 404) return { msgs: into, pending: 0, lastSeq: 0 }; // nothing (more) matches
      if (h.code === 503) throw fromNatsError({ code: "503" }, what); // no responders: the stream may be gone
      if (h.code >= 300) throw fromApiError({ code: h.code, description: h.description }, what);
      into.push({
        subject: h.get("Nats-Subject"),
        seq: intHeader(h, "Nats-Sequence"),
        time: h.get("Nats-Time-Stamp"),
        data: m.data,
        ...(h.has("Nats-Msg-Id") ? { msgId: h.get("Nats-Msg-Id") } : {}),
      });
      return undefined;
    }
  });
}

function intHeader(h: ReceivedHeaders, name: string): number {
  const n = Number(h.get(name));
  return Number.isFinite(n) ? n : 0;
}
