/**
 * One page in any of the three browser engines, through one small interface, from Debian's packages and
 * npm alone (no test tool downloads its own browser here):
 *
 *   chromium  Debian's `chromium`, driven by playwright-core (test/harness/chromium.ts; env CHROMIUM_PATH)
 *   firefox   Debian's `firefox-esr`, driven by puppeteer-core over WebDriver BiDi (env FIREFOX_PATH)
 *   webkit    WebKitGTK's MiniBrowser (`libwebkit2gtk-4.1-0`) through `WebKitWebDriver` (`webkit2gtk-driver`),
 *             driven by selenium-webdriver; the driver runs under `xvfb-run -a` for a display
 *             (env MINIBROWSER_PATH, WEBKIT_WEBDRIVER_PATH)
 *
 * Playwright cannot drive stock Firefox or WebKit, and WebKitWebDriver has no way to call back into Node,
 * so {@link EnginePage.expose} is native in Chromium and Firefox and a polled queue in WebKit, and a long
 * {@link EnginePage.evaluate} in WebKit is started in the page and polled until it settles (WebDriver runs
 * one command at a time, so one long script would hold up the results it reports).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { CHROMIUM_PATH, chromiumArgs } from "./chromium.js";

export type Engine = "chromium" | "firefox" | "webkit";
export const ENGINES: readonly Engine[] = ["chromium", "firefox", "webkit"];

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? "/usr/bin/firefox-esr";
export const MINIBROWSER_PATH =
  process.env.MINIBROWSER_PATH ?? "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
export const WEBKIT_WEBDRIVER_PATH = process.env.WEBKIT_WEBDRIVER_PATH ?? "/usr/bin/WebKitWebDriver";

/** The binary each engine needs, and the Debian packages that provide it (scripts/setup.mjs installs them). */
export const ENGINE_BINARIES: Record<Engine, readonly string[]> = {
  chromium: [CHROMIUM_PATH],
  firefox: [FIREFOX_PATH],
  webkit: [MINIBROWSER_PATH, WEBKIT_WEBDRIVER_PATH, "/usr/bin/xvfb-run"],
};

/** A JSON-serialisable value handed into the page. */
export type Arg = string | number | boolean | null | undefined | readonly Arg[] | { readonly [k: string]: Arg };

export interface EnginePage {
  readonly engine: Engine;
  /** Browser name and version as the engine reports it, e.g. `Firefox 153.8.0esr`. */
  readonly version: string;
  /** Makes `globalThis[name](value)` in the page call `fn(value)` here; call before {@link goto}. */
  expose(name: string, fn: (value: never) => unknown): Promise<void>;
  goto(url: string, timeoutMs?: number): Promise<void>;
  /** Runs `fn(arg)` in the page and resolves with its (awaited, JSON-serialisable) result. */
  evaluate<A extends Arg, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<Awaited<R>>;
  /** Waits until `fn()` is truthy in the page. */
  waitForFunction(fn: () => unknown, timeoutMs?: number): Promise<void>;
  /** A PNG of the page (the viewport in WebKit). */
  screenshot(path: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Page errors and console.error lines, e.g. `page error: …`. */
  log?: ((line: string) => void) | undefined;
  /** Show a window (Chromium and Firefox; needs a display). */
  headed?: boolean | undefined;
  /** Binary of the browser (default per engine, see the env variables above). */
  executablePath?: string | undefined;
  /** Firefox preferences to set beside the harness's own (ignored by the other engines). */
  firefoxPrefs?: Record<string, string | number | boolean> | undefined;
}

const VIEWPORT = { width: 1100, height: 800 };

/** Rejects after `ms` with `what timed out`. */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out (browser time limit reached)`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ensureDir(path: string): void {
  mkdirSync(dirname(path), { recursive: true });
}

/** What is missing to run an engine here (empty when it can run). */
export function engineMissing(engine: Engine): string[] {
  return ENGINE_BINARIES[engine].filter((p) => !existsSync(p));
}

/** Opens a browser of the given engine with one page. */
export async function launchPage(engine: Engine, opts: LaunchOptions = {}): Promise<EnginePage> {
  const missing = engineMissing(engine);
  if (opts.executablePath === undefined && missing.length) {
    throw new Error(`${engine}: not installed (${missing.join(", ")}); run ENGINES=firefox,webkit node scripts/setup.mjs test`);
  }
  const log = opts.log ?? (() => undefined);
  if (engine === "chromium") return launchChromium(opts, log);
  if (engine === "firefox") return launchFirefox(opts, log);
  return launchWebKit(opts, log);
}

// ---- chromium: playwright-core -------------------------------------------------------------------

async function launchChromium(opts: LaunchOptions, log: (line: string) => void): Promise<EnginePage> {
  const { chromium } = await import("playwright-core");
  const browser = await chromium.launch({
    executablePath: opts.executablePath ?? CHROMIUM_PATH,
    headless: !opts.headed,
    args: chromiumArgs(opts.headed),
    timeout: 30_000,
  });
  try {
    const page = await browser.newPage({ viewport: VIEWPORT });
    page.on("pageerror", (e) => log(`page error: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") log(`console.error: ${m.text()}`);
    });
    return {
      engine: "chromium",
      version: `Chromium ${browser.version()}`,
      expose: async (name, fn) => void (await page.exposeFunction(name, fn)),
      goto: async (url, timeoutMs = 30_000) => void (await page.goto(url, { timeout: timeoutMs })),
      evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg) as never,
      waitForFunction: async (fn, timeoutMs = 30_000) => void (await page.waitForFunction(fn, undefined, { timeout: timeoutMs })),
      screenshot: async (path, timeoutMs = 10_000) => {
        ensureDir(path);
        await page.screenshot({ path, fullPage: true, timeout: timeoutMs });
      },
      close: () => browser.close(),
    };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

// ---- firefox: puppeteer-core over WebDriver BiDi -----------------------------------------------------

async function launchFirefox(opts: LaunchOptions, log: (line: string) => void): Promise<EnginePage> {
  const { default: puppeteer } = await import("puppeteer-core");
  const browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: opts.executablePath ?? FIREFOX_PATH,
    headless: !opts.headed,
    defaultViewport: VIEWPORT,
    timeout: 60_000,
    // a whole suite run is one call into the page: a test that hangs must fail by its own time limit
    // (60 s), not end the run at puppeteer's default of 180 s for the call
    protocolTimeout: 30 * 60_000,
    // nothing of the browser's own traffic to the closed network
    extraPrefsFirefox: {
      "app.update.enabled": false,
      "browser.safebrowsing.malware.enabled": false,
      "browser.safebrowsing.phishing.enabled": false,
      "network.captive-portal-service.enabled": false,
      "network.connectivity-service.enabled": false,
      ...opts.firefoxPrefs,
    },
  });
  try {
    const page = await browser.newPage();
    page.on("pageerror", (e) => log(`page error: ${e instanceof Error ? e.message : String(e)}`));
    page.on("console", (m) => {
      if (m.type() === "error") log(`console.error: ${m.text()}`);
    });
    return {
      engine: "firefox",
      version: (await browser.version()).replace(/^firefox\//i, "Firefox "),
      expose: (name, fn) => page.exposeFunction(name, fn as (...a: unknown[]) => unknown),
      goto: async (url, timeoutMs = 30_000) => void (await page.goto(url, { timeout: timeoutMs })),
      evaluate: (fn, arg) => page.evaluate(fn as (a: unknown) => unknown, arg) as never,
      waitForFunction: async (fn, timeoutMs = 30_000) => void (await page.waitForFunction(fn, { timeout: timeoutMs })),
      screenshot: async (path, timeoutMs = 10_000) => {
        ensureDir(path);
        await withTimeout(page.screenshot({ path: path as `${string}.png`, fullPage: true }), timeoutMs, "screenshot");
      },
      close: () => browser.close(),
    };
  } catch (e) {
    await browser.close().catch(() => undefined);
    throw e;
  }
}

// ---- webkit: WebKitWebDriver + MiniBrowser, selenium-webdriver, under xvfb-run ------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Kills a detached child's process group (xvfb-run, Xvfb, the driver and the MiniBrowser it started). */
function killGroup(child: ChildProcess): void {
  if (!child.pid || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch {
    /* gone */
  }
}

async function waitForDriver(base: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited (${child.exitCode}) before it was ready`);
    try {
      const res = await fetch(`${base}/status`);
      if (res.ok && ((await res.json()) as { value?: { ready?: boolean } }).value?.ready !== false) return;
    } catch {
      /* not yet listening */
    }
    await sleep(100);
  }
  throw new Error(`WebKitWebDriver did not answer within ${timeoutMs} ms`);
}

const PAGE_ERROR = "__pageError";

/** The page side of WebKit's polled `expose` and `evaluate`. */
interface Bridge {
  queue: { name: string; value: unknown }[];
  evals: Record<string, { ok: true; value: unknown } | { ok: false; error: string }>;
}

const BRIDGE_SETUP = (names: string[], pageError: string) => {
  const g = globalThis as unknown as { __bridge?: Bridge } & Record<string, unknown>;
  if (!g.__bridge) {
    const b: Bridge = (g.__bridge = { queue: [], evals: {} });
    // page errors, as the other engines report them (from here on: WebDriver has no log events)
    addEventListener("error", (ev) => void b.queue.push({ name: pageError, value: ev.message }));
    addEventListener("unhandledrejection", (ev) => void b.queue.push({ name: pageError, value: String(ev.reason) }));
  }
  const bridge = g.__bridge;
  for (const name of names) {
    if (typeof g[name] !== "function") g[name] = (value: unknown) => void bridge.queue.push({ name, value });
  }
};

async function launchWebKit(opts: LaunchOptions, log: (line: string) => void): Promise<EnginePage> {
  const { Builder } = await import("selenium-webdriver");
  const port = await freePort();
  const driverProc = spawn("xvfb-run", ["-a", "-s", "-screen 0 1280x1024x24", WEBKIT_WEBDRIVER_PATH, `--port=${port}`, "--host=127.0.0.1"], {
    detached: true,
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  driverProc.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const base = `http://127.0.0.1:${port}`;
  let driver: import("selenium-webdriver").WebDriver | undefined;
  try {
    await waitForDriver(base, driverProc, 30_000);
    driver = await new Builder()
      .usingServer(base)
      .withCapabilities({
        browserName: "MiniBrowser",
        "webkitgtk:browserOptions": { binary: opts.executablePath ?? MINIBROWSER_PATH, args: ["--automation"] },
      })
      .build();
  } catch (e) {
    killGroup(driverProc);
    throw new Error(`webkit did not start: ${(e as Error).message}${stderr ? `; driver said: ${stderr.trim()}` : ""}`);
  }
  const d = driver;
  await d.manage().setTimeouts({ script: 30_000, pageLoad: 30_000 });
  await d.manage().window().setRect(VIEWPORT).catch(() => undefined);
  const caps = await d.getCapabilities();
  const version = `WebKitGTK ${String(caps.get("browserVersion") ?? "?")}`;

  const exposed = new Map<string, (value: never) => unknown>([[PAGE_ERROR, (msg: string) => log(`page error: ${msg}`)]]);
  const exec = <R>(fn: (...a: never[]) => unknown, ...args: unknown[]): Promise<R> =>
    d.executeScript(`return (${fn.toString()}).apply(null, arguments);`, ...args) as Promise<R>;
  /** Delivers what the page queued for the exposed functions, in order; true when there was something. */
  const drain = async (): Promise<boolean> => {
    const items = await exec<{ name: string; value: unknown }[] | null>(() => {
      const b = (globalThis as unknown as { __bridge?: Bridge }).__bridge;
      return b ? b.queue.splice(0) : null;
    });
    for (const it of items ?? []) await exposed.get(it.name)?.(it.value as never);
    return (items?.length ?? 0) > 0;
  };
  const installBridge = () => exec(BRIDGE_SETUP, [...exposed.keys()].filter((n) => n !== PAGE_ERROR), PAGE_ERROR);
  let evalSeq = 0;

  return {
    engine: "webkit",
    version,
    expose: async (name, fn) => {
      exposed.set(name, fn);
    },
    goto: async (url) => {
      await d.get(url);
      await installBridge();
    },
    evaluate: async (fn, arg) => {
      const id = `e${++evalSeq}`;
      await installBridge();
      await d.executeScript(
        `const b = globalThis.__bridge, id = arguments[0];
         Promise.resolve().then(() => (${fn.toString()})(arguments[1])).then(
           (value) => { b.evals[id] = { ok: true, value }; },
           (e) => { b.evals[id] = { ok: false, error: e instanceof Error ? e.name + ": " + e.message + (e.stack ? "\\n" + e.stack : "") : String(e) }; });`,
        id,
        arg,
      );
      for (;;) {
        const busy = await drain();
        const done = await exec<Bridge["evals"][string] | null>((key: string) => {
          const b = (globalThis as unknown as { __bridge: Bridge }).__bridge;
          const r = b.evals[key] ?? null;
          if (r) delete b.evals[key];
          return r;
        }, id);
        if (done) {
          await drain();
          if (!done.ok) throw new Error(done.error);
          return done.value as never;
        }
        if (!busy) await sleep(200);
      }
    },
    waitForFunction: async (fn, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await exec<unknown>(fn as () => unknown))) {
        if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    screenshot: async (path, timeoutMs = 10_000) => {
      ensureDir(path);
      writeFileSync(path, Buffer.from(await withTimeout(d.takeScreenshot(), timeoutMs, "screenshot"), "base64"));
    },
    close: async () => {
      await withTimeout(d.quit(), 10_000, "webkit quit").catch((e: Error) => log(`webkit quit: ${e.message}`));
      killGroup(driverProc);
    },
  };
}
