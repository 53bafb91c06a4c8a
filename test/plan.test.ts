import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { main } from "../plan/cli";
import { manifestsFrom } from "../plan/manifests";
import { runProgram } from "../plan/run";
import { fleetFilesFrom, planFile, writePlan } from "../plan/write";
import { STANDIN_SEALING_KEY_PEM } from "../plan/standin-keys";
import { githubWrites, leastTime, summary } from "../plan/summary";
import { loadProject } from "../lib/project";
import { tempProject } from "./helpers/fixtures";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
const TENANTS = path.join(__dirname, "..", "tenants");

async function plan(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: (s) => (out += s + "\n"), err: (s) => (err += s + "\n") });
  return { code, out, err };
}

function tree(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files[path.relative(dir, p)] = fs.readFileSync(p, "utf8");
    }
  };
  walk(dir);
  return files;
}

function tenantsCopy(edit?: (dir: string) => void): string {
  const dir = tmp();
  for (const f of fs.readdirSync(TENANTS)) fs.copyFileSync(path.join(TENANTS, f), path.join(dir, f));
  edit?.(dir);
  return dir;
}

describe("offline plan", function () {
  this.timeout(120_000);
  const first = tmp();
  let firstRun: { code: number; out: string; err: string };

  before(async () => {
    firstRun = await plan(["--stack", "dev", "--out", first]);
  });

  it("a valid stack exits 0 and writes plan.json, manifests per cluster and owner, and fleet files", () => {
    assert.equal(firstRun.code, 0, firstRun.err);
    const files = Object.keys(tree(first));
    assert.ok(files.includes("plan.json"));
    for (const owner of ["platform", "app-a", "flask-app", "sock-shop"]) assert.ok(files.includes(`manifests/dev-euw1/${owner}.yaml`), owner);
    for (const f of ["fleet/clusters/dev-euw1/platform.yaml", "fleet/tenants/dev-euw1/kustomization.yaml", "fleet/tenants/dev-euw1/app-a/objects.yaml", "fleet/infrastructure/dev-euw1/objects.yaml"]) {
      assert.ok(files.includes(f), f);
    }
  });

  it("plan.json records type, name, parent, dependsOn, provider and safety options of every resource", () => {
    const p = JSON.parse(fs.readFileSync(path.join(first, "plan.json"), "utf8"));
    assert.equal(p.stack, "dev");
    assert.equal(p.counts.resources, p.resources.length);
    const tenant = p.resources.find((r: { type: string; name: string }) => r.type === "platform:tenant:Tenant" && r.name === "app-a.dev-euw1");
    assert.ok(tenant.dependsOn.some((u: string) => u.includes("FluxInstance")), "tenant waits for the FluxInstance");
    const key = p.resources.find((r: { name: string }) => r.name === "app-a-read-deploy-key");
    assert.ok(key.parent.endsWith("::app-a"), "the stage's deploy key belongs to the tenant's TenantDeployKeys");
    const commit = p.resources.find((r: { name: string }) => r.name === "fleet.dev-euw1");
    assert.equal(commit.inputs.__provider, undefined, "a dynamic provider's serialized code is not plan content");
    assert.ok(p.resources.some((r: { provider?: string }) => r.provider?.includes("pulumi:providers:kubernetes")));
  });

  it("without a declared receiver the summary says tenants poll there and no webhook is created", async () => {
    const dev = fs.readFileSync(path.join(__dirname, "..", "Pulumi.dev.yaml"), "utf8").replace(/^ {6}receiver:\n( {8}.*\n)+/m, "");
    const project = loadProject({ projectDir: tempProject({ "Pulumi.dev.yaml": dev }), stack: "dev", tenantsDir: TENANTS });
    const clusters = JSON.stringify(project.stack.clusters.map(({ receiver: _r, ...c }) => c));
    const result = await runProgram({ stack: "dev", config: { "platform:clusters": clusters } });
    const text = summary(project, result.registrations, planFile("dev", result.registrations, result.outputs), "out");
    assert.match(text, /No webhook receiver declared on dev-euw1: tenants' repositories are polled there \(source\.interval\) and no GitHub webhook is created for them\./);
    assert.match(text, /app-a: .*polls \(no receiver declared\)/);
    assert.equal(githubWrites(result.registrations).detail.includes("webhooks"), false);
  });

  it("the least time for GitHub writes follows the per-minute limit, then the hourly one", () => {
    assert.equal(leastTime(15), "1 min");
    assert.equal(leastTime(400), "5 min");
    assert.equal(leastTime(3010), "6 h 0 min", "500 in the first hour, then 500 an hour");
  });

  it("a redacted Secret keeps its keys, so every rendered object is a valid object, and the fleet Secret has its type", () => {
    const p = JSON.parse(fs.readFileSync(path.join(first, "plan.json"), "utf8"));
    const fleet = p.resources.find((r: { name: string }) => r.name === "dev-euw1-flux-fleet-secret");
    assert.deepEqual(fleet.inputs.stringData, { identity: "[secret]", "identity.pub": "[secret]", known_hosts: "[secret]" });
    assert.equal(fleet.inputs.type, "Opaque");
    const sealing = p.resources.find((r: { name: string }) => r.name === "dev-euw1-sealed-secrets-key-secret");
    assert.deepEqual(Object.keys(sealing.inputs.stringData).sort(), ["tls.crt", "tls.key"]);
  });

  it("the summary names each cluster and each tenant with its key mode", () => {
    assert.match(firstRun.out, /dev-euw1: EKS 1\.35 in eu-west-1/);
    assert.match(firstRun.out, /sock-shop: ns sock-shop, .*write key on dev-euw1/);
    assert.match(firstRun.out, /GitHub writes of a first up: \d+ \(\d+ deploy keys, \d+ webhooks, 3 fleet commit requests\)/);
    assert.match(firstRun.out, /app-a: ns app-a, quota 2 CPU\/4Gi, .*read-only key/);
    assert.match(firstRun.out, /Resources: \d+ \(/);
  });

  it("nothing under out/ holds a private key, a stand-in token or a stand-in webhook URL", () => {
    for (const [file, content] of Object.entries(tree(first))) {
      assert.doesNotMatch(content, /PRIVATE KEY/, file);
      assert.doesNotMatch(content, /offline-standin/, file);
    }
    const keyBody = STANDIN_SEALING_KEY_PEM.split("\n")[1];
    for (const [file, content] of Object.entries(tree(first))) assert.ok(!content.includes(keyBody), file);
  });

  it("two runs with the same input write identical trees", async () => {
    const second = tmp();
    assert.equal((await plan(["--stack", "dev", "--out", second])).code, 0);
    assert.deepEqual(tree(second), tree(first));
  });

  it("an invalid tenant file exits 1, names file, field and fix, writes nothing", async () => {
    const dir = tenantsCopy((d) => fs.writeFileSync(path.join(d, "bad.yaml"), "name: bad\nowners: [a]\nsource: { repository: acme/bad }\nquota: { cpu: 1, memory: 4GB }\n"));
    const out = path.join(tmp(), "never");
    const r = await plan(["--tenants", dir, "--out", out]);
    assert.equal(r.code, 1);
    assert.match(r.err, /bad\.yaml: quota\.memory \("4GB"\): not a Kubernetes quantity; did you mean "4Gi"\?/);
    assert.doesNotMatch(r.err, /\n\s+at /, "no stack trace");
    assert.equal(fs.existsSync(out), false);
  });

  it("usage errors exit 2", async () => {
    assert.equal((await plan(["--nope"])).code, 2);
    assert.equal((await plan(["--diff", "/nonexistent"])).code, 2);
    assert.equal((await plan(["--sealing-cert", "/nonexistent.pem"])).code, 2);
  });

  it("--diff shows an added, a changed and a decommissioned tenant, and refuses a silent removal", async () => {
    const changed = tenantsCopy((d) => {
      fs.writeFileSync(path.join(d, "newbie.yaml"), "name: newbie\nowners: [team-n]\nsource: { repository: acme/newbie }\nquota: { cpu: 1, memory: 1Gi }\n");
      fs.writeFileSync(path.join(d, "app-a.yaml"), fs.readFileSync(path.join(d, "app-a.yaml"), "utf8").replace("memory: 4Gi", "memory: 6Gi"));
      fs.appendFileSync(path.join(d, "flask-app.yaml"), "decommission: true\n");
    });
    const out = tmp();
    const r = await plan(["--tenants", changed, "--out", out, "--diff", first]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /\+ added tenant dev-euw1\/newbie/);
    assert.match(r.out, /~ dev-euw1\/app-a: changed ResourceQuota app-a\/app-a-quota: spec\.hard\.limits\.memory, spec\.hard\.requests\.memory/);
    assert.match(r.out, /- dev-euw1\/flask-app: removed Kustomization flask\/flask-app/);
    assert.match(r.out, /flask-app: .*DECOMMISSIONING/);
    assert.match(r.out, /!! NEW REPOSITORY acme\/newbie gets a deploy key: its commits will reach the clusters/, "a new repository is flagged loudly");
    assert.doesNotMatch(r.out, /NEW REPOSITORY acme\/eks-gitops-app-a|WRITE KEY/, "keys that existed are not");
    const writer = tenantsCopy((d) => fs.writeFileSync(path.join(d, "app-a.yaml"), fs.readFileSync(path.join(d, "app-a.yaml"), "utf8") + "imageAutomation:\n  path: ./overlays/{stage}\n  images: [{ name: web, image: ghcr.io/acme/web, policy: { semver: \"^1.0.0\" } }]\n"));
    const w = await plan(["--tenants", writer, "--out", tmp(), "--diff", first]);
    assert.equal(w.code, 0, w.err);
    assert.match(w.out, /!! WRITE KEY on acme\/eks-gitops-app-a: Flux will push to it/);

    const removed = tenantsCopy((d) => fs.rmSync(path.join(d, "flask-app.yaml")));
    const refused = await plan(["--tenants", removed, "--out", tmp(), "--diff", first]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /tenants\/flask-app\.yaml: tenant flask-app would leave cluster dev-euw1 .* not decommissioned; first restore the file with "decommission: true"/);

    // After the decommission step, removing the file is allowed and shown loudly.
    const afterStep = fs.mkdtempSync(path.join(os.tmpdir(), "plan-test-"));
    for (const f of fs.readdirSync(changed).filter((f) => f !== "flask-app.yaml")) fs.copyFileSync(path.join(changed, f), path.join(afterStep, f));
    const gone = await plan(["--tenants", afterStep, "--out", tmp(), "--diff", out]);
    assert.equal(gone.code, 0, gone.err);
    assert.match(gone.out, /!! REMOVED tenant flask-app from cluster dev-euw1: .*namespace flask/);
  });

  it("direct delivery writes the same tenant objects as manifests and no tenant fleet files", async () => {
    const result = await runProgram({ stack: "dev", config: { "platform:delivery": "direct" } });
    const out = tmp();
    writePlan(out, planFile("dev", result.registrations, result.outputs), manifestsFrom(result.registrations), fleetFilesFrom(result.registrations));
    const files = tree(out);
    assert.ok(!Object.keys(files).some((f) => f.startsWith("fleet/tenants/")));
    const gitops = tree(first);
    for (const owner of ["app-a", "flask-app", "sock-shop"]) {
      assert.equal(files[`manifests/dev-euw1/${owner}.yaml`], gitops[`manifests/dev-euw1/${owner}.yaml`], owner);
    }
  });
});
