/** The campaign's compact log: one line per operation, fault and finding, in a file. */
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";

/** A log file written as the campaign runs. */
export class CampaignLog {
  private readonly out: WriteStream;

  /** Creates (truncates) the file at `path`, making its directory. */
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.out = createWriteStream(path, { flags: "w" });
  }

  /** Appends one line. */
  line(text: string): void {
    this.out.write(`${text}\n`);
  }

  /** Flushes and closes the file. */
  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(() => resolve()));
  }
}
