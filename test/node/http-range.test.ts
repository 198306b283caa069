/**
 * The pure HTTP pieces, without a server: the `Range` decision (RFC 9110 §14) as properties over
 * random sizes and ranges (fast-check), entity tags and the conditional headers, media types and
 * Content-Disposition.
 */
import { describe, test } from "node:test";
import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  contentDisposition, decideRange, entityTag, ifNoneMatchMatches, ifRangeAllows, notModifiedSince, objectContentType,
  typeFromName,
} from "../../src/http/index.js";

const size = fc.integer({ min: 0, max: 10_000_000 });
const pos = fc.integer({ min: 0, max: 20_000_000 });
/** The same header written with another case of the unit and blanks around the list elements. */
const dress = (spec: string) => fc.tuple(fc.constantFrom("bytes", "BYTES", "Bytes"), fc.constantFrom("", " ", "\t", " ,"))
  .map(([unit, pad]) => `${unit}=${pad}${spec}${pad.replace(",", "")}`);

describe("http: decideRange", () => {
  test("bytes=a-b: the bytes a..min(b, size-1) when a is inside, else unsatisfiable", () => {
    fc.assert(fc.property(size, pos, pos, (n, x, y) => {
      const [a, b] = x <= y ? [x, y] : [y, x];
      const expected = a < n ? { kind: "partial", start: a, end: Math.min(b, n - 1) } : { kind: "unsatisfiable" };
      fc.assert(fc.property(dress(`${a}-${b}`), (header) => {
        assert.deepEqual(decideRange(header, n), expected, header);
      }), { numRuns: 3 });
    }));
  });

  test("bytes=a-: from a to the end when a is inside, else unsatisfiable", () => {
    fc.assert(fc.property(size, pos, (n, a) => {
      assert.deepEqual(decideRange(`bytes=${a}-`, n), a < n ? { kind: "partial", start: a, end: n - 1 } : { kind: "unsatisfiable" });
    }));
  });

  test("bytes=-k: the last k bytes (all of them when k >= size); -0 is unsatisfiable; a zero-length object is served whole", () => {
    fc.assert(fc.property(size, pos, (n, k) => {
      const got = decideRange(`bytes=-${k}`, n);
      if (k === 0) assert.deepEqual(got, { kind: "unsatisfiable" });
      else if (n === 0) assert.deepEqual(got, { kind: "full" });
      else assert.deepEqual(got, { kind: "partial", start: Math.max(0, n - k), end: n - 1 });
    }));
  });

  test("a partial answer always lies inside the object, for any header at all", () => {
    const header = fc.oneof(
      fc.string(),
      fc.stringMatching(/^bytes=[-0-9, ]{0,20}$/),
      fc.tuple(pos, pos).map(([a, b]) => `bytes=${a}-${b}`),
    );
    fc.assert(fc.property(header, size, (h, n) => {
      const got = decideRange(h, n);
      if (got.kind === "partial") assert.ok(got.start >= 0 && got.start <= got.end && got.end < n, `${h} on ${n}: ${JSON.stringify(got)}`);
    }), { numRuns: 2000 });
  });

  test("no header, another unit, or invalid syntax: the whole object", () => {
    for (const h of [null, undefined, "", "items=0-1", "bytes", "bytes=", "bytes=5-2", "bytes=a-b", "bytes=1-2-3", "bytes=--1", "bytes=1.5-2", "bytes=-", "bytes=0-1,x"]) {
      assert.deepEqual(decideRange(h, 100), { kind: "full" }, String(h));
    }
  });

  test("several ranges: the whole object, or 416 when none is satisfiable", () => {
    assert.deepEqual(decideRange("bytes=0-1, 5-6", 100), { kind: "full" });
    assert.deepEqual(decideRange("bytes=0-1,500-", 100), { kind: "full" });
    assert.deepEqual(decideRange("bytes=200-300, 400-", 100), { kind: "unsatisfiable" });
    assert.deepEqual(decideRange("bytes=0-1,", 100), { kind: "partial", start: 0, end: 1 }, "an empty list element is allowed");
  });

  test("exact examples of RFC 9110 §14.1.2 on a 10000-byte representation", () => {
    assert.deepEqual(decideRange("bytes=0-499", 10000), { kind: "partial", start: 0, end: 499 });
    assert.deepEqual(decideRange("bytes=500-999", 10000), { kind: "partial", start: 500, end: 999 });
    assert.deepEqual(decideRange("bytes=-500", 10000), { kind: "partial", start: 9500, end: 9999 });
    assert.deepEqual(decideRange("bytes=9500-", 10000), { kind: "partial", start: 9500, end: 9999 });
    assert.deepEqual(decideRange("bytes=0-", 0), { kind: "unsatisfiable" });
    assert.deepEqual(decideRange("bytes=0-99999999999999999999", 10), { kind: "partial", start: 0, end: 9 });
  });
});

describe("http: validators", () => {
  const hash = createHash("sha256").update("hello").digest();
  const canonical = `"SHA-256=${hash.toString("base64url")}="`;

  test("the entity tag is the canonical digest whatever encoding the writer used", () => {
    for (const digest of [
      `SHA-256=${hash.toString("base64url")}=`, `SHA-256=${hash.toString("base64url")}`, `sha-256=${hash.toString("base64")}`,
      `SHA-256=${hash.toString("hex")}`,
    ]) {
      assert.equal(entityTag({ digest, nuid: "N", revision: 3 }), canonical, digest);
    }
    assert.equal(entityTag({ nuid: "abc", revision: 7 }), '"v7-abc"');
    assert.equal(entityTag({ digest: "MD5=xyz", nuid: "abc", revision: 7 }), '"v7-abc"');
  });

  test("If-None-Match: weak comparison over a list (commas inside tags too), * matches", () => {
    fc.assert(fc.property(fc.array(fc.stringMatching(/^[A-Za-z0-9,=_-]{1,12}$/), { maxLength: 4 }), fc.nat(4), fc.boolean(), (others, at, weak) => {
      const tags = others.map((o) => `"${o}"`).filter((t) => t !== canonical);
      const withIt = [...tags];
      withIt.splice(Math.min(at, tags.length), 0, weak ? `W/${canonical}` : canonical);
      assert.equal(ifNoneMatchMatches(withIt.join(", "), canonical), true);
      assert.equal(ifNoneMatchMatches(tags.join(","), canonical), false);
    }));
    assert.equal(ifNoneMatchMatches("*", canonical), true);
    assert.equal(ifNoneMatchMatches(null, canonical), false);
    assert.equal(ifNoneMatchMatches("garbage", canonical), false);
  });

  test("If-Range: a strong equal tag or the exact date allows the range; weak tags, other tags and other dates do not", () => {
    const modified = new Date("2025-01-02T03:04:05.678Z");
    assert.equal(ifRangeAllows(null, canonical, modified), true);
    assert.equal(ifRangeAllows(canonical, canonical, modified), true);
    assert.equal(ifRangeAllows(`W/${canonical}`, canonical, modified), false);
    assert.equal(ifRangeAllows('"other"', canonical, modified), false);
    assert.equal(ifRangeAllows(modified.toUTCString(), canonical, modified), true);
    assert.equal(ifRangeAllows(new Date(modified.getTime() - 2000).toUTCString(), canonical, modified), false);
    assert.equal(ifRangeAllows("not a date", canonical, modified), false);
  });

  test("If-Modified-Since: not modified when the object is not newer than the date (whole seconds)", () => {
    const modified = new Date("2025-01-02T03:04:05.678Z");
    assert.equal(notModifiedSince(modified.toUTCString(), modified), true);
    assert.equal(notModifiedSince(new Date(modified.getTime() + 60_000).toUTCString(), modified), true);
    assert.equal(notModifiedSince(new Date(modified.getTime() - 60_000).toUTCString(), modified), false);
    assert.equal(notModifiedSince("yesterday", modified), false);
  });
});

describe("http: media types and file names", () => {
  test("Content-Type from the header (any key case), then metadata, then the extension, then octet-stream", () => {
    assert.equal(objectContentType({ name: "a.webm", headers: { "content-TYPE": ["text/x-mine"] } }), "text/x-mine");
    assert.equal(objectContentType({ name: "a.webm", metadata: { "Content-Type": "image/x-meta" } }), "image/x-meta");
    assert.equal(objectContentType({ name: "dir.v2/clip.WEBM" }), "video/webm");
    assert.equal(objectContentType({ name: "notes.txt" }), "text/plain; charset=utf-8");
    assert.equal(objectContentType({ name: "dir.v2/noext" }), "application/octet-stream");
    assert.equal(objectContentType({ name: "x.png", headers: { "Content-Type": ["bad\r\nInjected: 1"] } }), "image/png");
    for (const [ext, type] of [["mp4", "video/mp4"], ["jpg", "image/jpeg"], ["gif", "image/gif"], ["svg", "image/svg+xml"], ["json", "application/json"], ["pdf", "application/pdf"], ["mp3", "audio/mpeg"], ["wav", "audio/wav"], ["ogg", "audio/ogg"]]) {
      assert.equal(typeFromName(`f.${ext}`), type, ext);
    }
  });

  test("Content-Disposition: the last part of the name, ASCII fallback and RFC 8187 UTF-8", () => {
    assert.equal(contentDisposition("dir/ünï ✓.txt", true), `attachment; filename="_n_ _.txt"; filename*=UTF-8''%C3%BCn%C3%AF%20%E2%9C%93.txt`);
    assert.equal(contentDisposition('a"b\\c(1).bin', false), `inline; filename="a_b_c(1).bin"; filename*=UTF-8''a%22b%5Cc%281%29.bin`);
    assert.equal(contentDisposition("dir/", false), `inline; filename="dir"; filename*=UTF-8''dir`);
  });
});
