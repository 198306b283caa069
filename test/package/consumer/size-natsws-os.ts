// For comparison only (size): a put and a get with nats.ws's own object store.
import { connect } from "nats.ws";

const nc = await connect({ servers: new URLSearchParams(location.search).get("ws") ?? "" });
const os = await nc.jetstream().views.os("size");
await os.putBlob({ name: "hello.bin" }, new Uint8Array(300_000));
console.log((await os.getBlob("hello.bin"))?.length);
await nc.close();
