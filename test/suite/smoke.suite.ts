/**
 * Smoke tests of the test infrastructure itself: the server is reachable over WebSocket from every
 * runtime, JetStream is enabled, and messages make a round trip.
 */
import { StringCodec } from "nats.ws";
import { equal, ok } from "../harness/assert.js";
import type { Suite } from "../harness/suite.js";

export default function smoke(suite: Suite): void {
  suite.test("JetStream account info", async (ctx) => {
    const nc = await ctx.connect({ name: `smoke-${ctx.runtime}` });
    const msg = await nc.request("$JS.API.INFO", undefined, { timeout: 5_000 });
    const info = JSON.parse(new TextDecoder().decode(msg.data)) as { type?: string; error?: unknown };
    ok(info.error === undefined, `JetStream API error: ${JSON.stringify(info.error)}`);
    equal(info.type, "io.nats.jetstream.api.v1.account_info_response", "response type");
  });

  suite.test("publish/subscribe round trip", async (ctx) => {
    const sc = StringCodec();
    const pub = await ctx.connect();
    const sub = await ctx.connect();
    const subject = `smoke.${ctx.bucketName(ctx.runtime)}`;
    const s = sub.subscribe(subject, { max: 3 });
    await sub.flush();
    for (const word of ["a", "b", "c"]) pub.publish(subject, sc.encode(`${word}-${ctx.runtime}`));
    const got: string[] = [];
    for await (const m of s) got.push(sc.decode(m.data));
    equal(got.join(","), `a-${ctx.runtime},b-${ctx.runtime},c-${ctx.runtime}`, "messages in order");
  }, { timeoutMs: 10_000 });
}
