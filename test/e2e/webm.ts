/**
 * A minimal WebM (Matroska) muxer for the media e2e test: VP8 frames from WebCodecs' VideoEncoder into
 * a file a browser can seek in: known Segment size, `Duration` in Info, one Cluster per key frame and a
 * `Cues` index (placed before the Clusters and listed in a SeekHead), which MediaRecorder's output lacks.
 *
 * Layout: EBML header, Segment { SeekHead, Info, Tracks, Cues, Cluster… }. Sizes are written as 8-byte
 * EBML integers and the SeekHead/Cues positions as 8-byte unsigned integers, so every element's length
 * is known before the positions that go into it are.
 */

/** One encoded video frame. */
export interface EncodedFrame {
  /** Presentation time in milliseconds. */
  timeMs: number;
  /** A key frame (a Cluster and a cue point start at each). */
  key: boolean;
  data: Uint8Array;
}

/** The video's properties. */
export interface WebmTrack {
  width: number;
  height: number;
  /** The Matroska codec id (default `V_VP8`). */
  codecId?: string;
  /** Total duration in milliseconds. */
  durationMs: number;
}

type Bytes = Uint8Array;

const concat = (parts: readonly Bytes[]): Bytes => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

/** An element ID (its bytes already carry the length marker). */
const id = (hex: number): Bytes => {
  const bytes: number[] = [];
  for (let v = hex; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.from(bytes);
};

/** An EBML data size as an 8-byte variable-length integer. */
const size8 = (n: number): Bytes => {
  const out = new Uint8Array(8);
  out[0] = 0x01;
  let v = n;
  for (let i = 7; i >= 1; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
};

/** An unsigned integer in `width` bytes (default: as few as it needs). */
const uint = (n: number, width?: number): Bytes => {
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v % 256);
    v = Math.floor(v / 256);
  } while (v > 0);
  while (width !== undefined && bytes.length < width) bytes.unshift(0);
  return Uint8Array.from(bytes);
};

const float64 = (n: number): Bytes => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, n);
  return out;
};

const text = (s: string): Bytes => new TextEncoder().encode(s);

/** An element: ID, size, payload. */
const el = (elementId: number, ...payload: Bytes[]): Bytes => {
  const body = concat(payload);
  return concat([id(elementId), size8(body.length), body]);
};

/** A SimpleBlock of track 1 at `relMs` from its Cluster's time. */
const simpleBlock = (frame: EncodedFrame, relMs: number): Bytes => {
  const head = new Uint8Array(4);
  head[0] = 0x81; // track number 1 as a 1-byte vint
  new DataView(head.buffer).setInt16(1, relMs);
  head[3] = frame.key ? 0x80 : 0x00;
  return el(0xa3, head, frame.data);
};

/** The frames grouped into Clusters, one per key frame. */
function clusters(frames: readonly EncodedFrame[]): { timeMs: number; bytes: Bytes }[] {
  const groups: EncodedFrame[][] = [];
  for (const f of frames) {
    const last = groups.at(-1);
    if (f.key || !last) groups.push([f]);
    else last.push(f);
  }
  return groups.map((g) => {
    const timeMs = Math.round(g[0]!.timeMs);
    const blocks = g.map((f) => simpleBlock(f, Math.round(f.timeMs) - timeMs));
    return { timeMs, bytes: el(0x1f43b675, el(0xe7, uint(timeMs)), ...blocks) };
  });
}

/** Muxes VP8 frames (in presentation order, the first a key frame) into a seekable WebM file. */
export function muxWebm(frames: readonly EncodedFrame[], track: WebmTrack): Uint8Array {
  if (!frames[0]?.key) throw new Error("the first frame must be a key frame");
  const ebml = el(0x1a45dfa3,
    el(0x4286, uint(1)), el(0x42f7, uint(1)), el(0x42f2, uint(4)), el(0x42f3, uint(8)),
    el(0x4282, text("webm")), el(0x4287, uint(2)), el(0x4285, uint(2)));
  const info = el(0x1549a966,
    el(0x2ad7b1, uint(1_000_000)), el(0x4489, float64(track.durationMs)),
    el(0x4d80, text("nats-objectstore-web test")), el(0x5741, text("nats-objectstore-web test")));
  const tracks = el(0x1654ae6b, el(0xae,
    el(0xd7, uint(1)), el(0x73c5, uint(1)), el(0x83, uint(1)), el(0x9c, uint(0)),
    el(0x86, text(track.codecId ?? "V_VP8")),
    el(0xe0, el(0xb0, uint(track.width)), el(0xba, uint(track.height)))));
  const groups = clusters(frames);
  const cues = (positions: readonly number[]) => el(0x1c53bb6b, ...groups.map((g, i) =>
    el(0xbb, el(0xb3, uint(g.timeMs)), el(0xb7, el(0xf7, uint(1)), el(0xf1, uint(positions[i] ?? 0, 8))))));
  const seekHead = (infoAt: number, tracksAt: number, cuesAt: number) => el(0x114d9b74,
    el(0x4dbb, el(0x53ab, id(0x1549a966)), el(0x53ac, uint(infoAt, 8))),
    el(0x4dbb, el(0x53ab, id(0x1654ae6b)), el(0x53ac, uint(tracksAt, 8))),
    el(0x4dbb, el(0x53ab, id(0x1c53bb6b)), el(0x53ac, uint(cuesAt, 8))));
  // Positions are relative to the start of the Segment's payload.
  const seekLength = seekHead(0, 0, 0).length;
  const infoAt = seekLength;
  const tracksAt = infoAt + info.length;
  const cuesAt = tracksAt + tracks.length;
  const cuesLength = cues(groups.map(() => 0)).length;
  const positions: number[] = [];
  let at = cuesAt + cuesLength;
  for (const g of groups) {
    positions.push(at);
    at += g.bytes.length;
  }
  const segment = el(0x18538067, seekHead(infoAt, tracksAt, cuesAt), info, tracks, cues(positions), ...groups.map((g) => g.bytes));
  return concat([ebml, segment]);
}
