/**
 * The benchmark's page script (bundled for Chromium by run.ts): `globalThis.__bench.run(task, url)` runs
 * one task; the hooks call functions the host exposed (`__benchBegin`, `__benchEnd`), which take memory
 * readings over CDP around each op.
 */
import { runTask, type OpResult, type Task } from "./lib/tasks.ts";

declare global {
  // eslint-disable-next-line no-var
  var __benchBegin: (op: string) => Promise<void>;
  // eslint-disable-next-line no-var
  var __benchEnd: (r: OpResult) => Promise<void>;
}

(globalThis as unknown as { __bench: unknown }).__bench = {
  async run(task: Task, url: string): Promise<void> {
    await runTask(task, url, {
      begin: (op) => globalThis.__benchBegin(op),
      end: (r) => globalThis.__benchEnd(r),
    });
  },
};
