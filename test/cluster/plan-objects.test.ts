import * as assert from "node:assert/strict";
import { apply } from "./kube";
import { planObjects, platformFirst, type ClusterPlan } from "./plans";

/**
 * Every Kubernetes object the offline plans render is handed to the real API server: first as a
 * server-side dry run (admission, schema, CEL rules of the official CRDs), then for real. The
 * objects of several clusters share names here, so each cluster applies as its own field manager.
 */
describe("the offline plans on the real API server", () => {
  const plans: ClusterPlan[] = [];

  before(async function () {
    this.timeout(300_000);
    for (const stack of ["dev", "prod"]) for (const delivery of ["gitops", "direct"] as const) plans.push(...(await planObjects(stack, delivery)));
  });

  it("the plans cover both stages, both deliveries and every cluster", () => {
    assert.deepEqual([...new Set(plans.map((p) => `${p.stack}/${p.delivery}/${p.cluster}`))].sort(), [
      "dev/direct/dev-euw1", "dev/gitops/dev-euw1",
      "prod/direct/prod-euw1", "prod/direct/prod-use1", "prod/gitops/prod-euw1", "prod/gitops/prod-use1",
    ]);
    for (const p of plans) assert.ok(p.objects.length > 10, `${p.stack}/${p.delivery}/${p.cluster} has ${p.objects.length} objects`);
  });

  it("every object of the dev and prod plans, in both deliveries, is accepted by server-side apply, dry run then for real, platform objects first", () => {
    let accepted = 0;
    const rejected: string[] = [];
    for (const p of plans) {
      const manager = `plan-${p.stack}-${p.delivery}-${p.cluster}`;
      for (const phase of platformFirst(p.objects)) {
        for (const dryRun of [true, false]) {
          const a = apply(phase, { dryRun, manager });
          if (!a.ok) rejected.push(`${manager}${dryRun ? " (dry run)" : ""}: ${a.err}`);
          else if (!dryRun) accepted += a.out.trim().split("\n").length;
        }
      }
    }
    const total = plans.reduce((n, p) => n + p.objects.length, 0);
    console.log(`      ${accepted} of ${total} objects applied, ${rejected.length} rejections`);
    assert.deepEqual(rejected, []);
    assert.equal(accepted, total);
  });
});
