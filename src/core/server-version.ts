/** nats-server versions: parsed from INFO's `version` and compared to the minimum a feature needs. */

/** A version as [major, minor, patch]. */
export type ServerVersion = readonly [number, number, number];

/** `X.Y.Z` (with any suffix, e.g. `-beta.1`) as numbers; `[0, 0, 0]` when it is not a version. */
export function parseServerVersion(text: string | undefined): ServerVersion {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text ?? "");
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [0, 0, 0];
}

/** True when `version` is at least `min`, comparing major, then minor, then patch. */
export function versionAtLeast(version: ServerVersion, min: ServerVersion): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== min[i]) return version[i]! > min[i]!;
  return true;
}
