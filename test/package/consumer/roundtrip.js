// What every consumer of the tarball does with the package: a bucket, a put and a verified get.
/** @param {import("nats-objectstore-web").ObjectStoreManager} objm  @param {string} label */
export async function roundTrip(objm, label) {
  const bucket = `pkg_${label}_${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const store = await objm.createObjectStore({ bucket });
  try {
    const data = new Uint8Array(300_000).map((_, i) => (i * 31 + 7) & 255);
    const info = await store.putBytes("hello.bin", data);
    const back = await store.getBytes("hello.bin");
    if (back.length !== data.length || back.some((b, i) => b !== data[i])) throw new Error(`${label}: get returned other bytes`);
    return `${label}: ${info.size} bytes in ${info.chunks} chunks, ${info.digest}`;
  } finally {
    await objm.deleteObjectStore(bucket);
  }
}
