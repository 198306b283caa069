/** How every test and benchmark starts Debian's Chromium through Playwright (it cannot download its own). */

/** The browser binary: env `CHROMIUM_PATH`, else Debian's. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Flags that work here: headless, no sandbox (root), and no background traffic to the closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The flags, without `--headless` when a window is wanted. */
export function chromiumArgs(headed = false): string[] {
  return CHROMIUM_ARGS.filter((a) => !(headed && a === "--headless"));
}
