/**
 * Driving the demo page in any engine through {@link EnginePage} alone (evaluate, waitForFunction, goto,
 * screenshot): what Playwright's locators do for demo.e2e.ts, done in the page. Every wait polls in the
 * page until its own deadline, so a check costs one round trip even where WebDriver is slow (WebKit).
 *
 * tsx compiles these files with esbuild's keepNames, which can wrap a function of the code handed to
 * `evaluate` in `__name(...)`: {@link DemoPage.prepare} defines a stand-in in the page after each load.
 */
import type { Arg, EnginePage } from "../harness/engines.js";
import { cssString, dropFilesInPage, dropMadeInPage, dropPayload, makeFileInPage, type DemoClient, type FileSpec } from "./page-helpers.js";

/** What a wait in the page looks for: elements matching a selector, with or without a text. */
export interface WaitSpec {
  /** Wait until one of them contains this text. */
  text?: string | undefined;
  /** Wait until one of them does not contain this text. */
  notText?: string | undefined;
  /** Wait until none matches. */
  gone?: boolean | undefined;
  timeoutMs?: number | undefined;
}

type WaitArg = readonly [selector: string, text: string | null, notText: string | null, gone: boolean, ms: number];

/** Polls the page until the selector (with the text conditions) matches, or is gone; throws at the deadline. */
const waitInPage = async ([selector, text, notText, gone, ms]: WaitArg): Promise<void> => {
  const deadline = Date.now() + ms;
  for (;;) {
    const hits = Array.from(document.querySelectorAll(selector)).filter((el) => {
      const t = el.textContent ?? "";
      return (text === null || t.includes(text)) && (notText === null || !t.includes(notText));
    });
    if (gone ? hits.length === 0 : hits.length > 0) return;
    if (Date.now() > deadline) {
      const what = `${selector}${text === null ? "" : ` with "${text}"`}${notText === null ? "" : ` without "${notText}"`}`;
      const seen = Array.from(document.querySelectorAll(selector)).map((el) => (el.textContent ?? "").trim().slice(0, 80));
      throw new Error(`${gone ? "still there" : "no"} ${what} after ${ms} ms${seen.length ? ` (seen: ${seen.join(" | ")})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** Clicks the first element matching the selector (and containing the text, when given). */
const clickInPage = ([selector, text]: readonly [string, string | null]): void => {
  const el = Array.from(document.querySelectorAll<HTMLElement>(selector)).find((e) => text === null || (e.textContent ?? "").trim() === text);
  if (!el) throw new Error(`nothing to click: ${selector}${text === null ? "" : ` "${text}"`}`);
  el.click();
};

/** The demo page of one engine, driven the way demo.e2e.ts drives it in Chromium. */
export class DemoPage {
  constructor(readonly page: EnginePage) {}

  /** Runs in the page after every load: the keepNames stand-in. */
  async prepare(): Promise<void> {
    await this.page.evaluate((src) => (0, eval)(src) as undefined, "globalThis.__name = globalThis.__name || ((fn) => fn);");
  }

  evaluate<A extends Arg, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>> {
    return this.page.evaluate(fn, arg);
  }

  /** Opens the demo connected to `wsUrl` with `client` and waits for the connection. */
  async open(origin: string, wsUrl: string, client: DemoClient = "v3"): Promise<void> {
    await this.page.goto(`${origin}/?${new URLSearchParams({ server: wsUrl, client })}`, 30_000);
    await this.prepare();
    await this.waitFor('#conn-status[data-state="online"]', { timeoutMs: 30_000 });
  }

  waitFor(selector: string, spec: WaitSpec = {}): Promise<void> {
    return this.page.evaluate(waitInPage, [selector, spec.text ?? null, spec.notText ?? null, spec.gone ?? false, spec.timeoutMs ?? 20_000] as const);
  }

  /** Waits for the element (up to 20 s), then clicks it; `text` picks among several by their whole text. */
  async click(selector: string, text?: string): Promise<void> {
    await this.waitFor(selector, { text });
    await this.page.evaluate(clickInPage, [selector, text ?? null] as const);
  }

  /** An attribute of the first match (null when it or the element is missing). */
  attr(selector: string, name: string): Promise<string | null> {
    return this.page.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name] as const);
  }

  text(selector: string): Promise<string> {
    return this.page.evaluate((s) => (document.querySelector(s)?.textContent ?? "").replace(/\s+/g, " ").trim(), selector);
  }

  count(selector: string): Promise<number> {
    return this.page.evaluate((s) => document.querySelectorAll(s).length, selector);
  }

  /** Selects a bucket in the sidebar (reloading the list first when it is not there yet). */
  async selectBucket(bucket: string): Promise<void> {
    const item = `.bucket-item[data-bucket="${cssString(bucket)}"]`;
    if (!(await this.count(item))) await this.click("#refresh-buckets");
    await this.click(item);
    await this.waitFor("#bucket-header h2", { text: bucket });
    await this.waitFor("#objects-count", { notText: "loading" });
  }

  dropFiles(files: readonly FileSpec[]): Promise<void> {
    return this.page.evaluate(dropFilesInPage, dropPayload(files));
  }

  /** `mib` MiB of page-helpers' xorshift pattern as a File in the page (see `makeFile` there). */
  makeFile(name: string, mib: number, seed: number, lastModified: number): Promise<void> {
    return this.page.evaluate(makeFileInPage, [name, mib, seed, lastModified] as const);
  }

  dropMade(name: string): Promise<void> {
    return this.page.evaluate(dropMadeInPage, name);
  }

  /** Closes an open dialog, if any (a failed test may leave one open). */
  async closeDialogs(): Promise<void> {
    await this.page.evaluate(() => {
      for (const d of document.querySelectorAll("dialog[open]")) (d as HTMLDialogElement).close();
    }, null);
  }
}
