/** The few local file checks the CLI makes before it connects (through `node:fs`, which Deno provides too). */

interface Stats {
  size: number;
  isFile(): boolean;
  isDirectory(): boolean;
}
interface Fs {
  stat(path: string): Promise<Stats>;
  readFile(path: string | URL, encoding: "utf8"): Promise<string>;
  readFile(path: string | URL): Promise<Uint8Array>;
}

async function fs(): Promise<Fs> {
  const id = "node:fs/promises";
  return (await import(/* @vite-ignore */ id)) as Fs;
}

/** What is at a path: a file (with its size), a directory, something else, or nothing. */
export type PathKind = { kind: "file"; size: number } | { kind: "directory" } | { kind: "other" } | { kind: "missing" };

/** Looks at a path; a path that cannot be examined (permissions) is reported as `other`. */
export async function examine(path: string): Promise<PathKind> {
  try {
    const st = await (await fs()).stat(path);
    if (st.isFile()) return { kind: "file", size: st.size };
    if (st.isDirectory()) return { kind: "directory" };
    return { kind: "other" };
  } catch (err) {
    return isMissing(err) ? { kind: "missing" } : { kind: "other" };
  }
}

/** Whether an error from `node:fs` says the path does not exist (Node's code, Deno's name). */
function isMissing(err: unknown): boolean {
  return (err as { code?: string }).code === "ENOENT" || (err as Error).name === "NotFound";
}

/** A local file's bytes, or undefined when there is no such file; other errors are thrown. */
export async function readLocalFile(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await (await fs()).readFile(path));
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

/** The version in the package.json next to the sources. */
export async function packageVersion(): Promise<string> {
  try {
    const text = await (await fs()).readFile(new URL("../../package.json", import.meta.url), "utf8");
    return String((JSON.parse(text) as { version?: unknown }).version ?? "unknown");
  } catch {
    return "unknown";
  }
}

/** `dir/name` ('/' is a separator on every platform Deno and Node run on). */
export function joinPath(dir: string, name: string): string {
  return dir.endsWith("/") || dir.endsWith("\\") ? `${dir}${name}` : `${dir}/${name}`;
}
