/**
 * A one-line progress bar on stderr: bytes done, percentage and ETA when the total is known, and the
 * transfer rate in MiB/s. Redrawn at most every 100 ms; shown only on a terminal (or with --progress).
 */
import type { Output } from "./runtime.js";
import { formatBytes } from "./units.js";

/** What a progress line shows. */
export interface ProgressState {
  label: string;
  bytes: number;
  total?: number;
  /** Bytes per second. */
  rate: number;
  elapsedMs: number;
  columns: number;
  done?: boolean;
}

function clock(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** Formats a transfer rate: `85.3 MiB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 2 ** 20).toFixed(1)} MiB/s`;
}

/** The text of one progress line (no control characters), fitted to `columns`. */
export function renderProgress(s: ProgressState): string {
  const rate = formatRate(s.rate);
  const known = s.total !== undefined && s.total > 0;
  const fraction = known ? Math.min(1, s.bytes / s.total!) : 0;
  const amount = known ? `${formatBytes(s.bytes)} / ${formatBytes(s.total!)}` : formatBytes(s.bytes);
  const time = s.done || !known ? clock(s.elapsedMs) : s.rate > 0 ? `ETA ${clock(((s.total! - s.bytes) / s.rate) * 1000)}` : "ETA --:--";
  const right = `${known ? `${String(Math.floor(fraction * 100)).padStart(3)}% ` : ""}${amount}  ${rate}  ${time}`;
  const label = s.label.length > 30 ? `${s.label.slice(0, 29)}…` : s.label;
  const room = s.columns - 1 - label.length - right.length - 6;
  if (!known || room < 10) return `${label}  ${right}`.slice(0, Math.max(20, s.columns - 1));
  const width = Math.min(40, room);
  const filled = Math.round(fraction * width);
  return `${label}  [${"#".repeat(filled)}${"-".repeat(width - filled)}]  ${right}`;
}

/** A live progress bar; a no-op when disabled. */
export class ProgressBar {
  private readonly start = Date.now();
  private lastDraw = 0;
  private bytes = 0;
  private samples: Array<{ t: number; bytes: number }> = [];
  private chain: Promise<void> = Promise.resolve();
  private drawn = false;

  constructor(
    private readonly out: Output,
    private readonly label: string,
    private total: number | undefined,
    private readonly enabled: boolean,
  ) {}

  /** Records progress; redraws when 100 ms have passed. */
  update(bytes: number, total?: number): void {
    this.bytes = bytes;
    if (total !== undefined) this.total = total;
    if (!this.enabled) return;
    const now = Date.now();
    this.samples.push({ t: now, bytes });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 3000) this.samples.shift();
    if (now - this.lastDraw >= 100) {
      this.lastDraw = now;
      this.draw(false);
    }
  }

  /** Draws the final line (average rate) and ends it. */
  async finish(): Promise<void> {
    if (!this.enabled) return;
    this.draw(true);
    this.write("\n");
    await this.chain;
  }

  /** Erases the line (before an error message). */
  async clear(): Promise<void> {
    if (!this.enabled || !this.drawn) return;
    this.write("\r\x1b[K");
    await this.chain;
  }

  private rate(done: boolean): number {
    const now = Date.now();
    if (done || this.samples.length < 2) {
      const secs = (now - this.start) / 1000;
      return secs > 0 ? this.bytes / secs : 0;
    }
    const first = this.samples[0]!;
    const last = this.samples[this.samples.length - 1]!;
    const secs = (last.t - first.t) / 1000;
    return secs > 0 ? (last.bytes - first.bytes) / secs : 0;
  }

  private draw(done: boolean): void {
    const line = renderProgress({
      label: this.label,
      bytes: this.bytes,
      total: this.total,
      rate: this.rate(done),
      elapsedMs: Date.now() - this.start,
      columns: this.out.columns(),
      done,
    });
    this.drawn = true;
    this.write(`\r${line}\x1b[K`);
  }

  private write(text: string): void {
    this.chain = this.chain.then(() => this.out.write(text)).catch(() => undefined);
  }
}
