import * as fs from "node:fs";
import * as path from "node:path";
import type { Context } from "mocha";
import { CLUSTER_DIR } from "../../engines/build";
import { alive, logTail, startCluster, stopCluster, type ClusterState } from "../../engines/cluster";

/**
 * One real control plane for the whole suite (root hooks): built if needed, started before the
 * first test, stopped after the last. A test that fails prints the engines' logs. If the engines
 * cannot be built or started, the hook fails with the reason, and so does every test: nothing skips.
 */
const DIR = path.join(CLUSTER_DIR, `test-${process.pid}`);
let state: ClusterState | undefined;

export function live(): ClusterState {
  if (!state) throw new Error("the real API server is not running (see the first failure for why)");
  return state;
}

/** Engines left by an earlier run that was killed (its process is gone, its engines are not). */
async function stopLeftovers(): Promise<void> {
  if (!fs.existsSync(CLUSTER_DIR)) return;
  for (const d of fs.readdirSync(CLUSTER_DIR).filter((n) => /^test-\d+$/.test(n))) {
    const pid = Number(d.slice("test-".length));
    if (pid === process.pid || alive(pid)) continue;
    await stopCluster(path.join(CLUSTER_DIR, d));
    fs.rmSync(path.join(CLUSTER_DIR, d), { recursive: true, force: true });
  }
}

export const mochaHooks = {
  async beforeAll(this: Context) {
    this.timeout(0); // a cold build of the engines takes many minutes; it prints progress
    await stopLeftovers();
    const started = Date.now();
    state = await startCluster({ dir: DIR, log: (l) => console.log(`      ${l}`) });
    console.log(`      cluster: ready in ${Math.round((Date.now() - started) / 1000)}s`);
  },
  async afterAll(this: Context) {
    this.timeout(30_000);
    await stopCluster(DIR);
    fs.rmSync(DIR, { recursive: true, force: true });
  },
  afterEach(this: Context) {
    if (this.currentTest?.state !== "failed" || !state) return;
    for (const engine of Object.keys(state.pids)) console.log(`\n----- ${engine} log (last lines) -----\n${logTail(DIR, engine, 15)}`);
  },
};
