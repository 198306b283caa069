/** Types of scripts/nats-servers.mjs (the nats-server matrix and its binaries), for the TypeScript callers. */

/** One server of the matrix: Debian's package, or built with `go install`. */
export interface MatrixEntry {
  /** Exact version, X.Y.Z. */
  version: string;
  /** Where its binary comes from. */
  source: "debian" | "go";
}

/** The newest release: the default server of the tests, the benchmark and the demo. */
export declare const NEWEST: string;
/** Every version of the matrix, oldest first. */
export declare const MATRIX: MatrixEntry[];
/** Where Debian's package installs its server. */
export declare const DEBIAN_BIN: string;
/** The directory holding one subdirectory per Go-built version. */
export declare function cacheDir(): string;
/** The cached binary of a Go-built version (it may not exist). */
export declare function cachedBinary(version: string): string;
/** The matrix entry a name means (`newest`, `debian`, `2.12.x`, `2.12`, `2.12.15`). Throws on a bad name. */
export declare function resolveVersion(spec: string | undefined): MatrixEntry;
/** The version a nats-server binary reports, or undefined. */
export declare function binaryVersion(bin: string): string | undefined;
/** The binary of a version, or what is missing and how to get it. */
export declare function findServer(
  spec: string | undefined,
): { bin: string; version: string; missing?: undefined } | { missing: string; version: string; bin?: undefined };
/** The `go` command, or undefined when Go is missing. */
export declare function goBinary(): string | undefined;
/** Builds one version with `go install` into the cache; resolves with the binary. */
export declare function buildServer(version: string, opts?: { log?: (line: string) => void; timeoutMs?: number }): Promise<string>;
