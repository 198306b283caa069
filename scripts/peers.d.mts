/** Types of scripts/peers.mjs (the live interop peers under test/interop/), for the TypeScript callers. */

/** Thrown by a peer's `toolchain()` when what builds it is not installed. */
export declare class PeerMissing extends Error {}

/** What a peer.mjs gets to find, version and build with. */
export interface PeerTools {
  toolVersion(cmd: string, args?: string[]): string;
  which(cmd: string): string | undefined;
  PeerMissing: typeof PeerMissing;
  run(cmd: string, args: string[], opts?: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number }): Promise<string>;
}

/** The default export of a test/interop/<peer>/peer.mjs, with `src` (its folder) added by loadPeers. */
export interface PeerDef {
  /** Stable id, also the cache directory's prefix. */
  id: string;
  /** What the reports call it: client and version. */
  label: string;
  /** The client's name (nats.go, natscli, nats-py, ...). */
  client: string;
  /** The pinned version of the client. */
  version: string;
  /** `contract`: the write/read program of test/harness/peers.ts; `cli`: the nats CLI. */
  kind: "contract" | "cli";
  /** The peer's folder under test/interop/. */
  src: string;
  toolchain(tools: PeerTools): string | Promise<string>;
  build(ctx: PeerTools & { src: string; out: string; log: (line: string) => void }): Promise<void>;
  command(ctx: { src: string; out: string }): { argv: string[]; env?: Record<string, string> };
}

/** A built peer. */
export interface FoundPeer {
  id: string;
  label: string;
  client: string;
  version: string;
  kind: "contract" | "cli";
  /** The program and its first arguments. */
  argv: string[];
  /** Environment added when running it. */
  env: Record<string, string>;
  /** Its cache directory. */
  dir: string;
  missing?: undefined;
}

/** A peer that is not there, and why. */
export interface MissingPeer {
  id: string;
  label: string;
  missing: string;
  /** True when the toolchain is not installed (else: not built yet). */
  toolchainMissing: boolean;
}

export declare const INTEROP_DIR: string;
export declare function peersCacheDir(): string;
export declare function which(cmd: string): string | undefined;
export declare function toolVersion(cmd: string, args?: string[]): string;
export declare function loadPeers(): Promise<PeerDef[]>;
export declare function findPeer(def: PeerDef): Promise<FoundPeer | MissingPeer>;
/** Builds a peer unless cached; rejects when the build fails. */
export declare function buildPeer(def: PeerDef, opts?: { log?: (line: string) => void }): Promise<FoundPeer | MissingPeer>;
/** Builds every peer (or those of `ids`); resolves with the problems, one line each. */
export declare function buildPeers(opts?: { ids?: string[]; log?: (line: string) => void }): Promise<string[]>;
