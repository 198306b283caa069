/**
 * The page's memory through the DevTools protocol. `Runtime.getHeapUsage` gives the V8 heap
 * (`usedSize`) and, in current Chromium, `backingStorageSize`: the ArrayBuffer backing stores that
 * live outside the V8 heap, where a body held whole in Uint8Arrays would show. We count both.
 */
import type { CDPSession, Page } from "playwright-core";

interface HeapUsage {
  usedSize: number;
  totalSize: number;
  embedderHeapUsedSize?: number;
  backingStorageSize?: number;
}

export interface HeapReport {
  /** Heap (+ backing stores) after a GC, before the operation. */
  baseline: number;
  /** The largest sample during the operation. */
  peak: number;
  /** peak - baseline. */
  growth: number;
  samples: number;
  /** Whether `backingStorageSize` was reported (and so counted). */
  countsBackingStores: boolean;
}

export class HeapSampler {
  private constructor(private readonly cdp: CDPSession) {}

  static async open(page: Page): Promise<HeapSampler> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("HeapProfiler.enable");
    return new HeapSampler(cdp);
  }

  async usage(): Promise<{ total: number; countsBackingStores: boolean }> {
    const u = (await this.cdp.send("Runtime.getHeapUsage")) as HeapUsage;
    return { total: u.usedSize + (u.backingStorageSize ?? 0), countsBackingStores: u.backingStorageSize !== undefined };
  }

  async gc(): Promise<void> {
    await this.cdp.send("HeapProfiler.collectGarbage");
  }

  /** Runs `op` while sampling every `everyMs`; returns its result and the heap report. */
  async measure<T>(op: () => Promise<T>, everyMs = 100): Promise<{ result: T; heap: HeapReport }> {
    await this.gc();
    const base = await this.usage();
    let peak = base.total;
    let samples = 0;
    let running = true;
    const sampler = (async () => {
      while (running) {
        try {
          peak = Math.max(peak, (await this.usage()).total);
          samples++;
        } catch {
          // the page is busy closing: skip this sample
        }
        await new Promise((r) => setTimeout(r, everyMs));
      }
    })();
    try {
      const result = await op();
      return { result, heap: { baseline: base.total, peak, growth: peak - base.total, samples, countsBackingStores: base.countsBackingStores } };
    } finally {
      running = false;
      await sampler;
    }
  }

  async close(): Promise<void> {
    await this.cdp.detach().catch(() => undefined);
  }
}
