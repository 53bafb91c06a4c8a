import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadProject } from "../lib/project";
import { writeTenantSet } from "../scripts/bench-tenants";

const PROJECT_DIR = path.join(__dirname, "..");
/** The stack scripts/bench.ts plans on, as shipped and with clusters added. */
const BENCH_STACK = "prod";

describe("benchmark tenant sets (scripts/bench-tenants.ts)", () => {
  let dir: string;
  let mix: ReturnType<typeof writeTenantSet>;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tenants-test-"));
    mix = writeTenantSet(dir, 200);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  // The bench refuses to time a set the program would refuse; this keeps the generator in step
  // with the program's rules (allowed repository owners, image automation, quotas).
  it(`a generated set passes the program's validation on stack ${BENCH_STACK}`, () => {
    const project = loadProject({ projectDir: PROJECT_DIR, stack: BENCH_STACK, tenantsDir: dir });
    assert.equal(project.tenants.length, 200);
  });

  it("a generated set has the features whose cost the bench reports", () => {
    for (const k of ["helm", "imageAutomation", "ecr", "slack", "commitStatus", "overrides", "webhookOff"] as const) {
      assert.ok(mix[k] > 0, `no tenant with ${k} in 200`);
    }
  });

  it("tenant i is the same file in every set", () => {
    const small = fs.mkdtempSync(path.join(os.tmpdir(), "bench-tenants-test-"));
    try {
      writeTenantSet(small, 20);
      for (const f of fs.readdirSync(small)) assert.equal(fs.readFileSync(path.join(small, f), "utf8"), fs.readFileSync(path.join(dir, f), "utf8"), f);
    } finally {
      fs.rmSync(small, { recursive: true, force: true });
    }
  });
});
