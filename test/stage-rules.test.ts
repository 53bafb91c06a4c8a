import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { resolveForStage } from "../lib/resolve";
import { imageAutomationNotes } from "../lib/stage-rules";
import type { TenantFileInput } from "../lib/tenant-schema";
import { minimalTenant, projectProblems, ROOT, tempProject, tenantFrom } from "./helpers/fixtures";

/** A project with the shipped stacks (the dev one edited by `edit`) and these tenant files. */
function problemsOf(tenants: TenantFileInput[], edit: (dev: string) => string = (s) => s, stack = "dev"): string[] {
  const dev = edit(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8"));
  const files = Object.fromEntries(tenants.map((t) => [`tenants/${t.name}.yaml`, stringify(t)]));
  return projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": dev, ...files }), stack });
}

describe("stage rules: Ingress hosts and the image-automation cluster", () => {
  it("a tenant host outside the stage's tenantDomains is refused naming the file, the field and where to ask", () => {
    assert.deepEqual(problemsOf([{ ...minimalTenant("app-a"), hosts: ["shop.example.org"] }]), [
      'tenants/app-a.yaml: hosts[0] ("shop.example.org"): shop.example.org is not under a domain stage dev gives tenants (one of dev.acme.example); use a host under it, or ask the platform team to add the domain to platform:tenantDomains in Pulumi.dev.yaml',
    ]);
  });

  it("{stage} in a host is replaced before the domain check, and a host under the domain passes", () => {
    assert.deepEqual(problemsOf([{ ...minimalTenant("app-a"), hosts: ["app-a.{stage}.acme.example", "*.app-a.dev.acme.example"] }]), []);
  });

  it("without platform:tenantDomains every tenant host is refused", () => {
    const problems = problemsOf([{ ...minimalTenant("app-a"), hosts: ["app-a.dev.acme.example"] }], (s) => s.replace(/^ {2}platform:tenantDomains:.*\n/m, ""));
    assert.equal(problems.length, 1);
    assert.match(problems[0], /is not under a domain stage dev gives tenants \(no domain yet\)/);
  });

  it("two tenants claiming one host, or a host under another's wildcard, are refused naming both files", () => {
    const problems = problemsOf([
      { ...minimalTenant("app-a"), hosts: ["shop.dev.acme.example", "*.a.dev.acme.example"] },
      { ...minimalTenant("app-b"), hosts: ["shop.dev.acme.example", "x.a.dev.acme.example"] },
    ]);
    assert.deepEqual(problems, [
      'tenants/app-b.yaml: hosts[0] ("shop.dev.acme.example"): overlaps shop.dev.acme.example, which tenants/app-a.yaml (hosts[0]) serves; a host belongs to one tenant',
      'tenants/app-b.yaml: hosts[1] ("x.a.dev.acme.example"): overlaps *.a.dev.acme.example, which tenants/app-a.yaml (hosts[1]) serves; a host belongs to one tenant',
    ]);
  });

  it("no tenant may claim the Flux webhook receiver's host, directly or by a wildcard", () => {
    const problems = [
      ...problemsOf([{ ...minimalTenant("app-a"), hosts: ["flux-webhook.dev-euw1.dev.acme.example"] }]),
      ...problemsOf([{ ...minimalTenant("app-b"), hosts: ["*.dev-euw1.dev.acme.example"] }]),
    ];
    assert.deepEqual(problems, [
      'tenants/app-a.yaml: hosts[0] ("flux-webhook.dev-euw1.dev.acme.example"): overlaps flux-webhook.dev-euw1.dev.acme.example, the Flux webhook receiver\'s host in Pulumi.dev.yaml; a platform host belongs to no tenant, choose another name',
      'tenants/app-b.yaml: hosts[0] ("*.dev-euw1.dev.acme.example"): overlaps flux-webhook.dev-euw1.dev.acme.example, the Flux webhook receiver\'s host in Pulumi.dev.yaml; a platform host belongs to no tenant, choose another name',
    ]);
  });

  it("platform:imageAutomationCluster must name a cluster of the stack", () => {
    const problems = problemsOf([minimalTenant("app-a")], (s) => s.replace("platform:stage: dev", "platform:stage: dev\n  platform:imageAutomationCluster: dev-use1"));
    assert.deepEqual(problems, ['Pulumi.dev.yaml: platform:imageAutomationCluster ("dev-use1"): is not a cluster of this stack; choose one of dev-euw1']);
  });
});

describe("stage rules: what the plan says about image automation", () => {
  const sock = (imageAutomation: Partial<NonNullable<TenantFileInput["imageAutomation"]>>) => resolveForStage(tenantFrom({
    ...minimalTenant("shop"),
    source: { repository: "acme/shop", path: "./deploy/{stage}" },
    imageAutomation: { path: "./deploy/{stage}", images: [{ name: "web", image: "ghcr.io/acme/web", policy: { semver: "^1.0.0" } }], ...imageAutomation },
  }), "dev");

  it("automation inside the deployed path, on the deployed branch, needs no note", () => {
    assert.deepEqual(imageAutomationNotes(sock({})), []);
    assert.deepEqual(imageAutomationNotes(sock({ path: "./deploy/dev/images" })), []);
  });

  it("pushing to another branch is the pull-request flow, and the plan says so", () => {
    assert.deepEqual(imageAutomationNotes(sock({ branch: "image-updates" })), [
      "image automation pushes to image-updates, not main which the stage deploys: updates arrive only through a pull request merging image-updates into main",
    ]);
  });

  it("updating a path the stage does not deploy is a warning", () => {
    assert.deepEqual(imageAutomationNotes(sock({ path: "./deploy/development" })), [
      "WARNING: image automation updates ./deploy/development, outside ./deploy/dev which the stage deploys: its commits change nothing here",
    ]);
    assert.deepEqual(imageAutomationNotes(sock({ path: "./deploy/dev-old" })).length, 1, "a sibling folder sharing a prefix is not inside");
  });
});
