"""The nats-py interop peer of test/node/interop-peers.test.ts: nats-py's object store (js.object_store).

    peer.py write <natsTcpUrl> <bucket> <manifest.json>
    peer.py read  <natsTcpUrl> <bucket> <manifest.json>

The manifest and the JSON document `read` prints are described in test/harness/peers.ts. What nats-py
cannot do is named in "unsupported" (printed by both commands): its ObjectMeta has no metadata (and its
ObjectInfo drops the field when reading), its ObjectStoreConfig no bucket metadata, and it has no call
that adds a link or a bucket link (it reads them).
"""

import asyncio
import hashlib
import json
import sys

import nats
from nats.js import api
from nats.js.errors import NotFoundError

OP_TIMEOUT = 60.0
WRITE_UNSUPPORTED = ["object-metadata", "bucket-metadata", "links", "bucket-links"]
READ_UNSUPPORTED = ["object-metadata"]


async def write(js, bucket, m):
    if m.get("createBucket") is not None:
        cfg = api.ObjectStoreConfig(description=m["createBucket"].get("description"))
        store = await js.create_object_store(bucket, config=cfg)
    else:
        store = await js.object_store(bucket)
    for o in m["objects"]:
        meta = api.ObjectMeta(name=o["name"], description=o.get("description"), headers=o.get("headers"))
        with open(o["file"], "rb") as f:
            await store.put(o["name"], f, meta=meta)
    # links: nats-py has no call that adds one (see WRITE_UNSUPPORTED)
    for name in m["deletes"]:
        await store.delete(name)
    print(json.dumps({"unsupported": WRITE_UNSUPPORTED}))


async def read_object(store, name):
    e = {"name": name, "ok": False}
    try:
        res = await store.get(name)  # checks the digest once the last chunk arrived
    except Exception as err:  # reported in the entry
        e["error"] = f"get: {type(err).__name__}: {err}"
        return e
    info = res.info
    e.update(
        ok=True,
        size=len(res.data),
        sha256=hashlib.sha256(res.data).hexdigest(),
        chunks=info.chunks,
        digest=info.digest,
    )
    if info.description:
        e["description"] = info.description
    if info.headers:
        e["headers"] = info.headers
    return e


async def read(js, bucket, m):
    store = await js.object_store(bucket)
    status = await store.status()
    cfg = status.stream_info.config
    out = {
        "unsupported": READ_UNSUPPORTED,
        "bucket": {"description": cfg.description or "", "metadata": cfg.metadata or {}},
        "objects": [],
        "links": [],
        "deleted": [],
        "list": [],
    }
    deletes = set(m["deletes"])
    for o in m["objects"]:
        if o["name"] not in deletes:
            out["objects"].append(await read_object(store, o["name"]))
    for link in m["links"]:
        e = {"name": link["name"], "ok": False}
        try:
            info = await store.get_info(link["name"])
            if info.is_link():
                e.update(ok=True, bucket=info.options.link.bucket)
                if info.options.link.name:
                    e["targetName"] = info.options.link.name
            else:
                e["error"] = "not a link"
        except Exception as err:
            e["error"] = f"get_info: {type(err).__name__}: {err}"
        out["links"].append(e)
    for name in m["deletes"]:
        e = {"name": name, "ok": False, "deleted": False}
        try:
            info = await store.get_info(name, show_deleted=True)
            e["deleted"] = bool(info.deleted)
            try:
                await store.get(name)
                e["error"] = "get of a deleted object succeeded"
            except Exception:
                e["ok"] = True
        except Exception as err:
            e["error"] = f"get_info with deleted shown: {type(err).__name__}: {err}"
        out["deleted"].append(e)
    try:
        # nats-py's list includes deleted objects unless asked not to (nats.go's leaves them out)
        out["list"] = [i.name for i in await store.list(ignore_deletes=True)]
    except NotFoundError:
        out["list"] = []
    print(json.dumps(out, ensure_ascii=False))


async def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("write", "read"):
        print("usage: peer.py write|read <natsTcpUrl> <bucket> <manifest.json>", file=sys.stderr)
        sys.exit(2)
    cmd, url, bucket, path = sys.argv[1:]
    with open(path, encoding="utf-8") as f:
        m = json.load(f)
    nc = await nats.connect(url, connect_timeout=10, max_reconnect_attempts=0)
    try:
        js = nc.jetstream(timeout=OP_TIMEOUT)
        await (write if cmd == "write" else read)(js, bucket, m)
    finally:
        await nc.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except Exception as err:
        print(f"nats-py peer: {type(err).__name__}: {err}", file=sys.stderr)
        sys.exit(1)
