// The jnats interop peer of issue #14: jnats' ObjectStore, at the version pom.xml pins.
//
//   java -cp <out>/peer.jar:<out>/lib/* interop.Peer write <natsTcpUrl> <bucket> <manifest.json>
//   java -cp <out>/peer.jar:<out>/lib/* interop.Peer read  <natsTcpUrl> <bucket> <manifest.json>
//
// The manifest and the JSON document `read` prints are described in test/harness/peers.ts. `write`
// exits 0 when every step succeeded; `read` reports a failure of one object in its entry and exits 0
// once it could print its document. Any other failure: a message on stderr and a non-zero exit.
// JSON is read and written with jnats' own io.nats.client.support classes: no other dependency.
package interop;

import io.nats.client.Connection;
import io.nats.client.ErrorListener;
import io.nats.client.Nats;
import io.nats.client.ObjectStore;
import io.nats.client.Options;
import io.nats.client.api.ObjectInfo;
import io.nats.client.api.ObjectLink;
import io.nats.client.api.ObjectMeta;
import io.nats.client.api.ObjectStoreConfiguration;
import io.nats.client.api.ObjectStoreStatus;
import io.nats.client.api.StorageType;
import io.nats.client.impl.Headers;
import io.nats.client.support.JsonParser;
import io.nats.client.support.JsonValue;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

public final class Peer {
    private Peer() {}

    public static void main(String[] args) {
        if (args.length != 4 || !(args[0].equals("write") || args[0].equals("read"))) {
            System.err.println("usage: interop.Peer write|read <natsTcpUrl> <bucket> <manifest.json>");
            System.exit(2);
        }
        String step = "read the manifest";
        try {
            JsonValue manifest = JsonParser.parse(Files.readString(Path.of(args[3]), StandardCharsets.UTF_8));
            step = "connect";
            // jnats' JetStream request timeout is the connection timeout; its get of an object of no
            // chunks waits that long for a first chunk (2 s by default; 5 s here for a busy machine).
            Options options = Options.builder().server(args[1]).connectionTimeout(Duration.ofSeconds(5))
                .maxReconnects(0).errorListener(new ErrorListener() {}).build();
            try (Connection nc = Nats.connect(options)) {
                step = args[0];
                if (args[0].equals("write")) {
                    write(nc, args[2], manifest);
                } else {
                    String json = read(nc, args[2], manifest).toJson();
                    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
                    out.println(json);
                    out.flush();
                }
            }
        } catch (Throwable e) {
            System.err.println("jnats peer: " + step + ": " + describe(e));
            System.exit(1);
        }
        System.exit(0);
    }

    private static String describe(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) sb.append(": ").append(c);
        return sb.toString();
    }

    // ---- manifest access ----

    private static List<JsonValue> list(JsonValue v, String key) {
        JsonValue x = v.map.get(key);
        return x == null || x.array == null ? List.of() : x.array;
    }

    private static String str(JsonValue v, String key) {
        JsonValue x = v.map.get(key);
        return x == null ? null : x.string;
    }

    private static Map<String, String> strMap(JsonValue v, String key) {
        JsonValue x = v.map.get(key);
        if (x == null || x.map == null) return null;
        Map<String, String> m = new LinkedHashMap<>();
        x.map.forEach((k, val) -> m.put(k, val.string));
        return m;
    }

    private static Headers headers(JsonValue v) {
        JsonValue x = v.map.get("headers");
        if (x == null || x.map == null || x.map.isEmpty()) return null;
        Headers h = new Headers();
        x.map.forEach((k, values) -> {
            for (JsonValue one : values.array) h.add(k, one.string);
        });
        return h;
    }

    // ---- write ----

    private static void write(Connection nc, String bucket, JsonValue manifest) throws Exception {
        JsonValue create = manifest.map.get("createBucket");
        if (create != null && create.map != null) {
            ObjectStoreConfiguration.Builder cfg = ObjectStoreConfiguration.builder(bucket).storageType(StorageType.File);
            String description = str(create, "description");
            if (description != null) cfg.description(description);
            Map<String, String> metadata = strMap(create, "metadata");
            if (metadata != null) cfg.metadata(metadata);
            nc.objectStoreManagement().create(cfg.build());
        }
        ObjectStore store = nc.objectStore(bucket);

        for (JsonValue o : list(manifest, "objects")) {
            String name = str(o, "name");
            ObjectMeta.Builder meta = ObjectMeta.builder(name);
            String description = str(o, "description");
            if (description != null) meta.description(description);
            Headers h = headers(o);
            if (h != null) meta.headers(h);
            Map<String, String> metadata = strMap(o, "metadata");
            if (metadata != null) meta.metadata(metadata);
            try (InputStream in = Files.newInputStream(Path.of(str(o, "file")))) {
                store.put(meta.build(), in);
            } catch (Exception e) {
                throw new Exception("put " + name, e);
            }
        }

        for (JsonValue l : list(manifest, "links")) {
            String name = str(l, "name");
            String targetBucket = str(l, "targetBucket");
            String targetName = str(l, "targetName");
            ObjectStore target = targetBucket.equals(bucket) ? store : nc.objectStore(targetBucket);
            if (targetName == null) {
                store.addBucketLink(name, target);
                continue;
            }
            ObjectInfo info = target.getInfo(targetName);
            if (info == null) throw new Exception("link " + name + ": target " + targetName + " not found in " + targetBucket);
            store.addLink(name, info);
        }

        for (JsonValue d : list(manifest, "deletes")) {
            store.delete(d.string);
        }
    }

    // ---- read ----

    private static JsonValue read(Connection nc, String bucket, JsonValue manifest) throws Exception {
        ObjectStore store = nc.objectStore(bucket);
        ObjectStoreStatus status = store.getStatus();
        Map<String, JsonValue> bucketOut = new LinkedHashMap<>();
        if (status.getDescription() != null && !status.getDescription().isEmpty()) bucketOut.put("description", new JsonValue(status.getDescription()));
        putStrMap(bucketOut, "metadata", status.getMetadata());

        Set<String> deletes = new HashSet<>();
        for (JsonValue d : list(manifest, "deletes")) deletes.add(d.string);

        List<JsonValue> objects = new ArrayList<>();
        for (JsonValue o : list(manifest, "objects")) {
            String name = str(o, "name");
            if (!deletes.contains(name)) objects.add(readObject(store, name));
        }

        List<JsonValue> links = new ArrayList<>();
        for (JsonValue l : list(manifest, "links")) {
            String name = str(l, "name");
            Map<String, JsonValue> e = entry(name);
            try {
                ObjectInfo info = store.getInfo(name);
                ObjectLink link = info == null ? null : info.getLink();
                if (info == null) {
                    e.put("error", new JsonValue("not found"));
                } else if (link == null) {
                    e.put("error", new JsonValue("not a link"));
                } else {
                    e.put("ok", new JsonValue(true));
                    e.put("bucket", new JsonValue(link.getBucket()));
                    if (link.getObjectName() != null) e.put("targetName", new JsonValue(link.getObjectName()));
                }
            } catch (Exception ex) {
                e.put("error", new JsonValue(describe(ex)));
            }
            links.add(new JsonValue(e));
        }

        List<JsonValue> deleted = new ArrayList<>();
        for (String name : names(list(manifest, "deletes"))) {
            Map<String, JsonValue> e = entry(name);
            e.put("deleted", new JsonValue(false));
            try {
                ObjectInfo info = store.getInfo(name, true);
                if (info == null) {
                    e.put("error", new JsonValue("getInfo with deleted shown: not found"));
                } else {
                    e.put("deleted", new JsonValue(info.isDeleted()));
                    String getError = null;
                    try {
                        store.get(name, OutputStream.nullOutputStream());
                    } catch (Exception ex) {
                        getError = describe(ex);
                    }
                    if (getError == null) e.put("error", new JsonValue("get of a deleted object succeeded"));
                    else e.put("ok", new JsonValue(true));
                }
            } catch (Exception ex) {
                e.put("error", new JsonValue(describe(ex)));
            }
            deleted.add(new JsonValue(e));
        }

        List<JsonValue> names = new ArrayList<>();
        for (ObjectInfo info : store.getList()) names.add(new JsonValue(info.getObjectName()));

        Map<String, JsonValue> out = new LinkedHashMap<>();
        out.put("bucket", new JsonValue(bucketOut));
        out.put("objects", new JsonValue(objects));
        out.put("links", new JsonValue(links));
        out.put("deleted", new JsonValue(deleted));
        out.put("list", new JsonValue(names));
        return new JsonValue(out);
    }

    private static List<String> names(List<JsonValue> values) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : values) out.add(v.string);
        return out;
    }

    private static Map<String, JsonValue> entry(String name) {
        Map<String, JsonValue> e = new LinkedHashMap<>();
        e.put("name", new JsonValue(name));
        e.put("ok", new JsonValue(false));
        return e;
    }

    private static void putStrMap(Map<String, JsonValue> into, String key, Map<String, String> m) {
        if (m == null || m.isEmpty()) return;
        Map<String, JsonValue> j = new TreeMap<>();
        m.forEach((k, v) -> j.put(k, new JsonValue(v)));
        into.put(key, new JsonValue(j));
    }

    /** Counts and hashes what jnats' get writes; get itself checks chunks, size and digest. */
    private static final class HashingSink extends OutputStream {
        final MessageDigest sha = sha256();
        long size;

        @Override public void write(int b) { sha.update((byte) b); size++; }
        @Override public void write(byte[] b, int off, int len) { sha.update(b, off, len); size += len; }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonValue readObject(ObjectStore store, String name) {
        Map<String, JsonValue> e = entry(name);
        HashingSink sink = new HashingSink();
        ObjectInfo info = null;
        String error = null;
        try {
            info = store.get(name, sink);
        } catch (Exception ex) {
            error = "get: " + describe(ex);
        }
        e.put("size", new JsonValue(sink.size));
        e.put("sha256", new JsonValue(hex(sink.sha.digest())));
        e.put("chunks", new JsonValue(0L));
        e.put("digest", new JsonValue(""));
        if (error != null) {
            e.put("error", new JsonValue(error));
            return new JsonValue(e);
        }
        e.put("ok", new JsonValue(true));
        e.put("chunks", new JsonValue(info.getChunks()));
        e.put("digest", new JsonValue(info.getDigest() == null ? "" : info.getDigest()));
        if (info.getDescription() != null && !info.getDescription().isEmpty()) e.put("description", new JsonValue(info.getDescription()));
        Headers h = info.getHeaders();
        if (h != null && !h.isEmpty()) {
            Map<String, JsonValue> hm = new TreeMap<>();
            for (String k : h.keySet()) {
                List<JsonValue> values = new ArrayList<>();
                for (String v : h.get(k)) values.add(new JsonValue(v));
                hm.put(k, new JsonValue(values));
            }
            e.put("headers", new JsonValue(hm));
        }
        putStrMap(e, "metadata", info.getMetaData());
        return new JsonValue(e);
    }

    private static String hex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) sb.append(String.format("%02x", b & 0xff));
        return sb.toString();
    }
}
