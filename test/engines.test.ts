import * as assert from "node:assert/strict";
import * as semver from "semver";
import { engineVersion, moduleDir } from "../engines/build";
import { fluxRelease } from "../engines/crds";
import { isExisting } from "../lib/stack-schema";
import { loadProject } from "../lib/project";
import { ROOT } from "./helpers/fixtures";

/** The real engines judge what the stacks deploy, so their versions must be the stacks' own. */
describe("real-engine versions", () => {
  const stacks = ["dev", "prod"].map((s) => loadProject({ projectDir: ROOT, stack: s }).stack);

  it("every stack runs the Sealed Secrets controller release the harness builds", () => {
    for (const s of stacks) assert.equal(`v${s.sealedSecrets.controllerVersion}`, engineVersion("sealed-secrets"), s.stage);
  });

  it("the Flux Operator every stack installs carries a Flux release in the stack's range, and its CRDs are the ones the tests read", () => {
    for (const s of stacks) {
      const dir = moduleDir("github.com/controlplaneio-fluxcd/flux-operator", `v${s.flux.operatorChartVersion}`);
      const release = fluxRelease(dir, s.flux.version);
      assert.ok(semver.satisfies(release, s.flux.version), `${s.stage}: ${release}`);
    }
  });

  it("the harness's API server is the Kubernetes minor of every EKS cluster in the stacks, or newer", () => {
    const harness = semver.coerce(engineVersion("kubernetes"))!;
    for (const s of stacks) {
      for (const c of s.clusters.filter((x) => !isExisting(x))) {
        const eks = semver.coerce((c as { kubernetesVersion: string }).kubernetesVersion)!;
        assert.ok(semver.gte(`${harness.major}.${harness.minor}.0`, eks.version), `${c.name}: EKS ${eks.version} is newer than the harness's ${harness.version}`);
      }
    }
  });
});
