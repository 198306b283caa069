/** One upload in the list: name, progress bar, MB/s, time left, and cancel. */
import { h, icon, ICONS } from "./dom.js";
import { describeError } from "./errors.js";
import { formatBytes, formatDuration, formatRate } from "./format.js";

export type UploadState = "queued" | "uploading" | "done" | "cancelled" | "error";

/** Transfer rate over the last few seconds (a sliding window of progress samples). */
class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  add(bytes: number, t = performance.now()): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 3000) this.samples.shift();
  }
  /** Bytes per second, or 0 before there is enough to tell. */
  get rate(): number {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < 150) return 0;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }
}

export class UploadRow {
  readonly el: HTMLLIElement;
  readonly controller = new AbortController();
  private readonly bar: HTMLDivElement;
  private readonly detail: HTMLSpanElement;
  private readonly percent: HTMLSpanElement;
  private readonly button: HTMLButtonElement;
  private readonly meter = new RateMeter();
  private started = 0;
  private resumedNote = "";
  state: UploadState = "queued";

  constructor(
    readonly file: File,
    private readonly hooks: { dismiss(row: UploadRow): void; changed(): void },
  ) {
    this.bar = h("div", { class: "bar-fill" });
    this.detail = h("span", { class: "upload-detail" }, `${formatBytes(file.size)} · queued`);
    this.percent = h("span", { class: "upload-percent" }, "0%");
    this.button = h("button", {
      type: "button", class: "icon-btn", "aria-label": `Cancel upload of ${file.name}`, title: "Cancel",
      onclick: () => (this.finished ? hooks.dismiss(this) : this.controller.abort()),
    }, icon(ICONS.x));
    this.el = h("li", { class: "upload", "data-name": file.name, "data-state": "queued", "data-progress": "0" },
      h("div", { class: "upload-top" },
        h("span", { class: "upload-name", title: file.name }, icon(ICONS.file), file.name),
        this.percent,
        this.button),
      h("div", { class: "bar" }, this.bar),
      this.detail,
    );
  }

  get finished(): boolean {
    return this.state === "done" || this.state === "cancelled" || this.state === "error";
  }

  private set(state: UploadState): void {
    this.state = state;
    this.el.dataset.state = state;
    this.hooks.changed();
    if (this.finished) {
      this.button.setAttribute("aria-label", `Dismiss ${this.file.name}`);
      this.button.title = "Dismiss";
    }
  }

  /**
   * Asks whether to resume an unfinished upload of this file (`sent` bytes of it are on the server, as
   * last recorded): resolves true for Resume, false for Start over.
   */
  offerResume(sent: number): Promise<boolean> {
    this.el.dataset.offer = "resume";
    return new Promise((resolve) => {
      const answer = (yes: boolean) => {
        delete this.el.dataset.offer;
        resolve(yes);
      };
      this.detail.replaceChildren(
        `Unfinished upload found: ${formatBytes(sent)} of ${formatBytes(this.file.size)} sent. `,
        h("button", { type: "button", class: "link-btn", onclick: () => answer(true) }, "Resume"),
        " · ",
        h("button", { type: "button", class: "link-btn", onclick: () => answer(false) }, "Start over"),
      );
    });
  }

  /** Notes that the upload resumed with `bytes` already on the server. */
  resumed(bytes: number): void {
    this.el.dataset.resumedFrom = String(bytes);
    this.resumedNote = ` · resumed at ${formatBytes(bytes)}`;
  }

  start(): void {
    this.started = performance.now();
    this.meter.add(0, this.started);
    this.set("uploading");
    this.detail.textContent = `${formatBytes(this.file.size)} · starting…`;
  }

  progress(bytes: number, total: number): void {
    this.meter.add(bytes);
    const pct = total > 0 ? Math.min(100, (bytes / total) * 100) : 100;
    this.bar.style.width = `${pct}%`;
    this.percent.textContent = `${Math.floor(pct)}%`;
    this.el.dataset.progress = String(Math.floor(pct));
    const rate = this.meter.rate;
    const left = rate > 0 ? formatDuration((total - bytes) / rate) : "—";
    this.detail.textContent = `${formatBytes(bytes)} of ${formatBytes(total)} · ${formatRate(rate)} · ${left} left${this.resumedNote}`;
  }

  done(): void {
    const secs = (performance.now() - this.started) / 1000;
    this.set("done");
    this.bar.style.width = "100%";
    this.percent.textContent = "100%";
    this.el.dataset.progress = "100";
    const took = secs < 1 ? `${Math.max(1, Math.round(secs * 1000))} ms` : formatDuration(secs);
    const avg = this.file.size >= 1e6 && secs > 0 ? ` · ${formatRate(this.file.size / secs)} average` : "";
    this.detail.textContent = `${formatBytes(this.file.size)} · uploaded in ${took}${avg}${this.resumedNote}`;
  }

  /** Set when a failed upload left its sent chunks for a resume. */
  resumable = false;

  fail(err: unknown): void {
    const { code, message } = describeError(err);
    if (code === "ABORTED") {
      this.percent.textContent = "cancelled";
      this.set("cancelled");
      this.detail.textContent = "Cancelled: nothing was stored";
      return;
    }
    this.percent.textContent = "failed";
    this.set("error");
    this.detail.replaceChildren(h("code", { class: "err-code" }, code), " ", message,
      this.resumable ? " · pick the file again to resume" : "");
  }
}
