/**
 * A minimal NATS client over a bare WebSocket, for the ceilings only: CONNECT, SUB, PUB/HPUB and a
 * MSG/HMSG parser that hands out payloads as views of the received frame when they fit in it (no copy),
 * PING/PONG. No reconnects, no auth, no request multiplexing. It shows what the WebSocket and the server
 * can do on this machine without nats.ws in the way.
 */
const enc = new TextEncoder();
const dec = new TextDecoder();
const CRLF = enc.encode("\r\n");

export interface RawMsg {
  subject: string;
  sid: number;
  reply: string;
  /** Raw header block (NATS/1.0 ...), when the message had one. */
  headers?: Uint8Array;
  data: Uint8Array;
}

type Callback = (m: RawMsg) => void;

export class RawNats {
  private ws!: WebSocket;
  private pending: Uint8Array | undefined;
  private subs = new Map<number, Callback>();
  private nextSid = 1;
  private pongs: (() => void)[] = [];
  info: Record<string, unknown> = {};
  error: Error | undefined;

  static async connect(url: string): Promise<RawNats> {
    const c = new RawNats();
    await c.open(url);
    return c;
  }

  private open(url: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      this.ws = ws;
      ws.binaryType = "arraybuffer";
      let gotInfo = false;
      ws.onerror = () => reject(new Error("websocket error"));
      ws.onclose = () => {
        this.error ??= new Error("closed");
        for (const p of this.pongs.splice(0)) p();
      };
      ws.onmessage = (ev) => {
        this.feed(new Uint8Array(ev.data as ArrayBuffer));
        if (!gotInfo && this.info.server_id) {
          gotInfo = true;
          this.write(enc.encode(`CONNECT ${JSON.stringify({ verbose: false, pedantic: false, headers: true, no_responders: true, protocol: 1, lang: "raw", version: "0" })}\r\n`));
          this.flush().then(resolve, reject);
        }
      };
    });
  }

  /** Sends bytes as one WebSocket frame. */
  write(b: Uint8Array): void {
    this.ws.send(b);
  }

  /** Round trip to the server. */
  flush(): Promise<void> {
    return new Promise((r) => {
      this.pongs.push(r);
      this.write(enc.encode("PING\r\n"));
    });
  }

  subscribe(subject: string, cb: Callback): number {
    const sid = this.nextSid++;
    this.subs.set(sid, cb);
    this.write(enc.encode(`SUB ${subject} ${sid}\r\n`));
    return sid;
  }

  unsubscribe(sid: number): void {
    this.subs.delete(sid);
    this.write(enc.encode(`UNSUB ${sid}\r\n`));
  }

  /** PUB (or HPUB with a header block) as a single frame: protocol line, payload, CRLF. */
  publish(subject: string, data: Uint8Array, reply = "", headers?: Uint8Array): void {
    const r = reply ? ` ${reply}` : "";
    const line = headers
      ? enc.encode(`HPUB ${subject}${r} ${headers.length} ${headers.length + data.length}\r\n`)
      : enc.encode(`PUB ${subject}${r} ${data.length}\r\n`);
    const hl = headers?.length ?? 0;
    const frame = new Uint8Array(line.length + hl + data.length + 2);
    frame.set(line, 0);
    if (headers) frame.set(headers, line.length);
    frame.set(data, line.length + hl);
    frame.set(CRLF, line.length + hl + data.length);
    this.write(frame);
  }

  close(): void {
    try {
      this.ws.close();
    } catch {
      /* ignore */
    }
  }

  /** Frames received but not parsed yet (an incomplete message spans them), and how many bytes they hold. */
  private parts: Uint8Array[] = [];
  private partsLen = 0;
  /** Bytes needed before parsing can go on (0: unknown, try at once). */
  private need = 0;

  private feed(chunk: Uint8Array): void {
    // nats-server cuts what it sends a browser into 4 KiB frames: gather frames until the message that is
    // being waited for is complete, and join them once (not once per frame).
    if (this.partsLen > 0 || this.pending) {
      if (this.pending) {
        this.parts.push(this.pending);
        this.partsLen += this.pending.length;
        this.pending = undefined;
      }
      this.parts.push(chunk);
      this.partsLen += chunk.length;
      if (this.partsLen < this.need) return;
      const b = new Uint8Array(this.partsLen);
      let o = 0;
      for (const p of this.parts) {
        b.set(p, o);
        o += p.length;
      }
      this.parts = [];
      this.partsLen = 0;
      chunk = b;
    }
    this.need = 0;
    const buf = chunk;
    let off = 0;
    while (off < buf.length) {
      const eol = buf.indexOf(10, off);
      if (eol < 0) break;
      const line = dec.decode(buf.subarray(off, eol - 1));
      const sp = line.indexOf(" ");
      const op = (sp < 0 ? line : line.slice(0, sp)).toUpperCase();
      if (op === "MSG" || op === "HMSG") {
        const parts = line.split(" ");
        const subject = parts[1]!;
        const sid = Number(parts[2]);
        let reply = "";
        let hlen = 0;
        let total: number;
        if (op === "MSG") {
          if (parts.length === 5) reply = parts[3]!;
          total = Number(parts[parts.length - 1]);
        } else {
          if (parts.length === 6) reply = parts[3]!;
          hlen = Number(parts[parts.length - 2]);
          total = Number(parts[parts.length - 1]);
        }
        const start = eol + 1;
        if (start + total + 2 > buf.length) {
          this.need = start + total + 2 - off; // wait for the rest of this message
          break;
        }
        const cb = this.subs.get(sid);
        if (cb) {
          cb({
            subject, sid, reply,
            headers: hlen ? buf.subarray(start, start + hlen) : undefined,
            data: buf.subarray(start + hlen, start + total),
          });
        }
        off = start + total + 2;
        continue;
      }
      off = eol + 1;
      if (op === "PING") this.write(enc.encode("PONG\r\n"));
      else if (op === "PONG") this.pongs.shift()?.();
      else if (op === "INFO") this.info = JSON.parse(line.slice(5)) as Record<string, unknown>;
      else if (op === "-ERR") this.error = new Error(line);
    }
    if (off < buf.length) this.pending = buf.subarray(off);
  }
}

/** Status code of a raw header block (`NATS/1.0 408 ...`), 0 when none. */
export function statusOf(h: Uint8Array | undefined): number {
  if (!h || h.length < 12) return 0;
  const s = dec.decode(h.subarray(0, Math.min(h.length, 40)));
  const m = /^NATS\/1\.0 (\d{3})/.exec(s);
  return m ? Number(m[1]) : 0;
}
