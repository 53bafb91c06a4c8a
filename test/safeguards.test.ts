/**
 * Safeguards whose loss would lose a tenant, a team's access or the fleet, tested where they
 * matter: prod (previous outputs, protection), a second GitHub owner, a created fleet repository.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../plan/cli";
import { diffPlans } from "../plan/diff";
import { manifestsFrom } from "../plan/manifests";
import type { Registration } from "../plan/recorder";
import { runProgram, type RunOptions } from "../plan/run";
import { fleetFilesFrom, planFile, writePlan } from "../plan/write";
import { planOf, registration, registrationsOf, RESOURCE_TYPE as T, stackFile, tenantsDir } from "./mocks";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "safeguards-test-"));

async function plan(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s + "\n"), err: (s) => (err += s + "\n") });
  return { code, out, err };
}

/** Writes the offline plan of these options to a fresh folder, as `npm start -- --out` would. */
async function writtenPlan(o: Omit<RunOptions, "mocks">): Promise<string> {
  const result = await runProgram(o);
  const out = tmp();
  writePlan(out, planFile(o.stack, result.registrations, result.outputs), manifestsFrom(result.registrations), fleetFilesFrom(result.registrations));
  return out;
}

const prodClusters = () => (stackFile("prod").config["platform:clusters"] as { name: string }[]).map((c) => c.name);
/** The project's tenants with this one's `stages:` narrowed to [dev] (and its prod overrides gone with prod). */
const devOnly = (tenant: string) => tenantsDir((t) => {
  t[tenant].stages = ["dev"];
  delete t[tenant].overrides;
});
const providerName = (r: Registration) => (r.provider ?? "").split("::")[3];

describe("safeguards: a prod tenant is never lost silently", function () {
  this.timeout(180_000);
  let previous: string;

  before(async () => {
    // The last update of prod, as the offline plan stands it in for `--diff`.
    previous = tmp();
    const r = await plan(["--stack", "prod", "--out", previous]);
    assert.equal(r.code, 0, r.err);
  });

  it("prod: removing a tenant file without decommissioning it is refused, naming the file and every cluster it would leave", async () => {
    const removed = tenantsDir((t) => delete t["sock-shop"]);
    const r = await plan(["--stack", "prod", "--tenants", removed, "--out", tmp(), "--diff", previous]);
    assert.equal(r.code, 1, r.out);
    for (const cluster of prodClusters()) {
      assert.match(r.err, new RegExp(`tenants/sock-shop\\.yaml: tenant sock-shop would leave cluster ${cluster} and its namespace sock-shop would be deleted, but it was not decommissioned; first restore the file with "decommission: true"`), cluster);
    }
    assert.match(r.err, /\(stack file: Pulumi\.prod\.yaml\)/);
  });

  it("prod: a tenant dropping a live stage from `stages:` without decommissioning is refused, naming its file and field", async () => {
    const r = await plan(["--stack", "prod", "--tenants", devOnly("app-a"), "--out", tmp(), "--diff", previous]);
    assert.equal(r.code, 1, r.out);
    for (const cluster of prodClusters()) {
      // The file as loaded (here a temporary tenants folder), and the field that changed.
      assert.match(r.err, new RegExp(`/app-a\\.yaml: stages: tenant app-a would leave cluster ${cluster} and its namespace app-a would be deleted, but it was not decommissioned; first keep it on that stage with "decommission: true"`), cluster);
    }
  });

  it("prod: the same stage drop after the decommission step is allowed", async () => {
    const decommissioned = tenantsDir((t) => { t["app-a"].decommission = true; });
    const step = tmp();
    const first = await plan(["--stack", "prod", "--tenants", decommissioned, "--out", step, "--diff", previous]);
    assert.equal(first.code, 0, first.err);
    const r = await plan(["--stack", "prod", "--tenants", devOnly("app-a"), "--out", tmp(), "--diff", step]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /!! REMOVED tenant app-a from cluster prod-euw1: /);
  });
});

describe("safeguards: the plan diff warns that removing a protected resource fails the update", function () {
  this.timeout(180_000);

  it("a prod tenant namespace removed in direct delivery is shown as PROTECTED", async () => {
    const direct = { "platform:delivery": "direct" };
    const before = await writtenPlan({ stack: "prod", config: direct });
    const after = await writtenPlan({ stack: "prod", config: direct, tenantsDir: tenantsDir((t) => delete t["app-a"]) });
    const diff = diffPlans(before, after).split("\n");
    for (const cluster of prodClusters()) {
      const line = diff.find((l) => l.startsWith("- resource ") && l.includes("kubernetes:core/v1:Namespace::") && l.includes(`::app-a.${cluster}-`));
      assert.ok(line, `${cluster}: the namespace is listed as removed:\n${diff.join("\n")}`);
      assert.ok(line.endsWith(" (PROTECTED: the update will fail)"), line);
    }
  });

  it("a prod EKS cluster removed from the stack is shown as PROTECTED", async () => {
    const clusters = stackFile("prod").config["platform:clusters"] as { name: string }[];
    const before = await writtenPlan({ stack: "prod" });
    const after = await writtenPlan({ stack: "prod", config: { "platform:clusters": JSON.stringify(clusters.slice(0, 1)) } });
    const diff = diffPlans(before, after).split("\n");
    const line = diff.find((l) => l.startsWith("- resource ") && l.includes("eks:index:Cluster::") && l.includes(`::${clusters[1].name}`));
    assert.ok(line, `the cluster is listed as removed:\n${diff.join("\n")}`);
    assert.ok(line.endsWith(" (PROTECTED: the update will fail)"), line);
  });
});

describe("safeguards: a tenant repository under a second GitHub owner", () => {
  const config = {
    "platform:tenantRepositories": JSON.stringify({ owners: ["acme", "globex"] }),
    // The stand-in secrets are chosen before this config applies, so the stock tenants' are given here.
    "platform:slackWebhook-app-a": "https://hooks.slack.com/services/T0/B0/standin",
    "platform:githubStatusToken-sock-shop": "ghp_standin",
  };
  const withGlobex = () => tenantsDir((t) => {
    t["app-z"] = { name: "app-z", owners: ["team-z"], stages: ["dev"], source: { repository: "globex/app-z" }, quota: { cpu: "1", memory: "1Gi" } };
  });

  it("dev: the tenant's deploy key and webhook go through github-globex, the fleet's GitHub resources through github-acme", async () => {
    const plan = await planOf({ stack: "dev", config, tenantsDir: withGlobex() });
    const keys = registrationsOf(plan, T.deployKey);
    const appZKeys = keys.filter((r) => r.parent?.endsWith("::app-z"));
    assert.ok(appZKeys.length > 0, `app-z has a deploy key (keys: ${keys.map((r) => r.name).join(", ")})`);
    for (const r of appZKeys) {
      assert.equal(r.inputs.repository, "app-z", r.name);
      assert.equal(providerName(r), "github-globex", r.name);
    }
    const webhook = registration(plan, T.webhook, "app-z.dev-euw1-webhook");
    assert.equal(webhook.inputs.repository, "app-z");
    assert.equal(providerName(webhook), "github-globex");

    const fleetKeys = keys.filter((r) => r.name.includes("-fleet-deploy-key"));
    assert.ok(fleetKeys.length > 0, "the fleet has a deploy key");
    for (const r of fleetKeys) assert.equal(providerName(r), "github-acme", r.name);
    for (const r of [...keys, ...registrationsOf(plan, T.webhook)].filter((r) => !r.name.startsWith("app-z"))) {
      assert.equal(providerName(r), "github-acme", `${r.name} writes to an acme repository`);
    }
    for (const r of registrationsOf(plan, T.fleetCommit)) assert.equal(r.inputs.owner, "acme", r.name);
  });
});

describe("safeguards: the fleet survives a delete", () => {
  it("a fleet repository the program creates (fleet.create: true) is Pulumi-protected", async () => {
    const fleet = stackFile("prod").config["platform:fleet"] as Record<string, unknown>;
    const plan = await planOf({ stack: "prod", config: { "platform:fleet": JSON.stringify({ ...fleet, create: true }) } });
    const repos = registrationsOf(plan, "github:index/repository:Repository");
    assert.equal(repos.length, 1, repos.map((r) => r.name).join(", "));
    assert.equal(repos[0].inputs.name, "eks-gitops-fleet");
    assert.equal(repos[0].protect, true);
  });

  for (const stack of ["dev", "prod"]) {
    it(`${stack}: every cluster's FleetCommit keeps the fleet files on delete (removeOnDelete false)`, async () => {
      const plan = await planOf({ stack });
      const commits = registrationsOf(plan, T.fleetCommit);
      const clusters = (stackFile(stack).config["platform:clusters"] as { name: string }[]).map((c) => `fleet.${c.name}`);
      assert.deepEqual(commits.map((r) => r.name).sort(), clusters.sort());
      for (const r of commits) assert.equal(r.inputs.removeOnDelete, false, r.name);
    });
  }
});
