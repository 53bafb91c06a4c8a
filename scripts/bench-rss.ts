/**
 * Preloaded (`-r`) into every plan run of `npm run bench`. When the process exits it writes, to the
 * file named by BENCH_RSS_FILE: peak resident set size, CPU time, GC pause time, and the time spent
 * in the plan's phases, so the bench can say what a run spent its time on without a profiler.
 *
 * Phases are measured by wrapping a few exported functions of the project as their modules load
 * (the project's own compiled CommonJS reads them from the exports object at each call, so the
 * wrappers see every call from another module). The wrappers add a clock read per call; the plan
 * itself is unchanged. Async functions count until their promise settles. Nested phases (building,
 * sealing, YAML, stand-in keys and the program's own validation inside the program run) are counted
 * inside their parents too.
 */
import * as fs from "node:fs";
import Module = require("node:module");
import * as path from "node:path";
import { PerformanceObserver, performance } from "node:perf_hooks";

const file = process.env.BENCH_RSS_FILE;

/** Project file (relative to the working directory the bench starts the plan in) → functions to time. */
const PHASES: Record<string, string[]> = {
  "lib/project.ts": ["loadProject"],
  "plan/run.ts": ["runProgram"],
  "plan/write.ts": ["planFile", "writePlan", "fleetFilesFrom"],
  "plan/manifests.ts": ["manifestsFrom"],
  "plan/summary.ts": ["summary"],
  "lib/sealing.ts": ["sealData"],
  "lib/fleet.ts": ["toYaml"],
  "lib/objects/tenant.ts": ["tenantObjects"],
  "plan/standin-keys.ts": ["standinKeyFor"],
};

export interface PhaseTime {
  ms: number;
  calls: number;
  /** Durations of the first calls (ms), e.g. to tell the plan's own validation from the program's. */
  first: number[];
}

/** What a plan run writes for the bench. */
export interface RunReport {
  maxRssKb: number;
  userCpuMs: number;
  systemCpuMs: number;
  /** Sum of GC pauses on the main thread. */
  gcMs: number;
  /** From process start to the first timed call (node, ts-node and the plan's modules loading). */
  startupMs: number;
  phases: Record<string, PhaseTime>;
}

if (file) {
  const root = process.cwd();
  const phases: Record<string, PhaseTime> = {};
  let firstCall: number | undefined;
  let gcMs = 0;
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcMs += e.duration;
  });
  gc.observe({ entryTypes: ["gc"] });

  const record = (name: string, started: number) => {
    // Kept cheap: it runs on every timed call (about 100,000 in a 5,000-tenant plan); peak RSS
    // comes from the kernel at exit, not from sampling here.
    const p = (phases[name] ??= { ms: 0, calls: 0, first: [] });
    const ms = performance.now() - started;
    p.ms += ms;
    p.calls++;
    if (p.first.length < 5) p.first.push(ms);
  };
  const wrap = (exports: Record<string, unknown>, names: string[]) => {
    for (const name of names) {
      const f = exports[name];
      if (typeof f !== "function") continue;
      const timed = function (this: unknown, ...args: unknown[]) {
        const started = performance.now();
        firstCall ??= started;
        const result = (f as (...a: unknown[]) => unknown).apply(this, args);
        if (result instanceof Promise) return result.finally(() => record(name, started));
        record(name, started);
        return result;
      };
      try {
        exports[name] = timed;
      } catch {
        // A read-only export (a re-export getter) is simply not timed.
      }
    }
  };

  type Loadable = { exports: Record<string, unknown>; load(filename: string): void };
  const proto = (Module as unknown as { prototype: Loadable }).prototype;
  const load = proto.load;
  proto.load = function (this: Loadable, filename: string) {
    load.call(this, filename);
    const names = PHASES[path.relative(root, filename).split(path.sep).join("/")];
    if (names) wrap(this.exports, names);
  };

  process.on("exit", () => {
    for (const e of gc.takeRecords()) gcMs += e.duration;
    gc.disconnect();
    const usage = process.resourceUsage();
    const report: RunReport = {
      // resourceUsage().maxRSS is in kilobytes, like /usr/bin/time's "Maximum resident set size".
      maxRssKb: usage.maxRSS,
      userCpuMs: usage.userCPUTime / 1000,
      systemCpuMs: usage.systemCPUTime / 1000,
      gcMs,
      startupMs: firstCall ?? performance.now(),
      phases,
    };
    fs.writeFileSync(file, JSON.stringify(report));
  });
}
