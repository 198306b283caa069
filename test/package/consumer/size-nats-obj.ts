// For comparison only (size): a put and a get with @nats-io/obj over the v3 wsconnect().
import { wsconnect } from "@nats-io/nats-core";
import { Objm } from "@nats-io/obj";

const nc = await wsconnect({ servers: new URLSearchParams(location.search).get("ws") ?? "" });
const os = await new Objm(nc).create("size");
await os.putBlob({ name: "hello.bin" }, new Uint8Array(300_000));
console.log((await os.getBlob("hello.bin"))?.length);
await nc.close();
