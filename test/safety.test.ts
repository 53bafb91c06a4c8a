import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { runProgram } from "../plan/run";
import type { Registration } from "../plan/recorder";
import { ecrReadPolicy, irsaTrust } from "../lib/iam";
import { RESOURCE_TYPE as T } from "./mocks";

const TENANTS = path.join(__dirname, "..", "tenants");

function tenantsWith(edit: (dir: string) => void): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "safety-"));
  for (const f of fs.readdirSync(TENANTS)) fs.copyFileSync(path.join(TENANTS, f), path.join(dir, f));
  edit(dir);
  return dir;
}

const edit = (dir: string, file: string, f: (s: string) => string) => fs.writeFileSync(path.join(dir, file), f(fs.readFileSync(path.join(dir, file), "utf8")));
const byUrn = (rs: Registration[]) => new Map(rs.map((r) => [r.urn, r]));
const fleetFile = (rs: Registration[], file: string): string => {
  const commit = rs.find((r) => r.type === T.fleetCommit && file in (r.inputs.files as object));
  if (!commit) throw new Error(`no FleetCommit writes ${file}`);
  return String((commit.inputs.files as Record<string, string>)[file]);
};
const tenantObjects = (rs: Registration[], tenant: string, cluster: string) =>
  parseAllDocuments(fleetFile(rs, `tenants/${cluster}/${tenant}/objects.yaml`)).map((d) => d.toJS());

describe("reliability: determinism, rotation and least privilege", function () {
  this.timeout(120_000);
  let base: Registration[];

  before(async () => {
    base = (await runProgram({ stack: "dev" })).registrations;
  });

  it("changing one tenant changes only that tenant's resources", async () => {
    const dir = tenantsWith((d) => edit(d, "app-a.yaml", (s) => s.replace("memory: 4Gi", "memory: 5Gi")));
    const changed = (await runProgram({ stack: "dev", tenantsDir: dir })).registrations;
    const before = byUrn(base);
    const differing = changed.filter((r) => JSON.stringify(before.get(r.urn)) !== JSON.stringify(r));
    assert.ok(differing.length > 0, "the edit must show up somewhere");
    const isAppA = (n: string) => n === "app-a" || n.startsWith("app-a-") || n.startsWith("app-a.");
    assert.deepEqual(differing.filter((r) => r.type !== T.fleetCommit).map((r) => r.name).filter((n) => !isAppA(n)), [], "only app-a's resources differ");
    // The cluster's shared commit changes, and within it only app-a's files.
    for (const commit of differing.filter((r) => r.type === T.fleetCommit)) {
      const old = before.get(commit.urn)!.inputs.files as Record<string, string>;
      const now = commit.inputs.files as Record<string, string>;
      const files = [...new Set([...Object.keys(old), ...Object.keys(now)])].filter((f) => old[f] !== now[f]);
      assert.deepEqual(files, ["tenants/dev-euw1/app-a/objects.yaml"], "in the shared commit, only app-a's files differ");
    }
    assert.equal(changed.length, base.length);
  });

  it("bumping a tenant's rotation replaces its key, its GitHub deploy key and its SealedSecret together", async () => {
    const dir = tenantsWith((d) => fs.appendFileSync(path.join(d, "flask-app.yaml"), "rotation: 1\n"));
    const rotated = (await runProgram({ stack: "dev", tenantsDir: dir })).registrations;
    const names = (rs: Registration[]) => rs.map((r) => r.name).filter((n) => n.startsWith("flask-app-"));
    assert.ok(names(rotated).includes("flask-app-read-key-r1"));
    assert.ok(names(rotated).includes("flask-app-read-deploy-key-r1"));
    assert.ok(!names(rotated).includes("flask-app-read-key"), "the old key is gone");
    const sealed = (rs: Registration[]) => tenantObjects(rs, "flask-app", "dev-euw1").find((o) => o.kind === "SealedSecret" && o.metadata.name === "flask-app-deploy-key");
    assert.notDeepEqual(sealed(rotated).spec.encryptedData.identity, sealed(base).spec.encryptedData.identity);
    assert.deepEqual(names(rotated).filter((n) => n.includes("app-a")), [], "no other tenant touched");
  });

  it("bumping the fleet and sealing rotations replaces those keys", async () => {
    const rotated = (await runProgram({
      stack: "dev",
      config: {
        "platform:fleet": JSON.stringify({ repository: "acme/eks-gitops-fleet", branch: "main", rotation: 2 }),
        "platform:sealedSecrets": JSON.stringify({ chartVersion: "2.18.1", rotation: 1 }),
      },
    })).registrations;
    const names = rotated.map((r) => r.name);
    assert.ok(names.includes("dev-euw1-flux-fleet-key-r2") && names.includes("dev-euw1-flux-fleet-deploy-key-r2"));
    assert.ok(names.includes("dev-euw1-sealed-secrets-key-r1") && names.includes("dev-euw1-sealed-secrets-cert-r1"));
  });

  it("a sealing rotation keeps the previous key installed until the next one, and restarts the controller", async () => {
    const plan = async (rotation: number) => (await runProgram({
      stack: "dev",
      config: { "platform:sealedSecrets": JSON.stringify({ chartVersion: "2.18.1", rotation }) },
    })).registrations;
    const keySecrets = (rs: typeof base) => rs.filter((r) => r.type === "kubernetes:core/v1:Secret" && (r.inputs.metadata as { namespace?: string }).namespace === "sealed-secrets")
      .map((r) => (r.inputs.metadata as { name: string; labels: Record<string, string> })).sort((a, b) => a.name.localeCompare(b.name));
    const annotation = (rs: typeof base) => ((rs.find((r) => r.name === "dev-euw1-sealed-secrets-chart")!.inputs.values as { podAnnotations: Record<string, string> }).podAnnotations)["platform.eks-gitops.io/sealing-certificates"];
    const [r0, r1, r2] = [await plan(0), await plan(1), await plan(2)];
    assert.deepEqual(keySecrets(r0).map((m) => m.name), ["sealed-secrets-key-r0"]);
    assert.deepEqual(keySecrets(r1).map((m) => m.name), ["sealed-secrets-key-r0", "sealed-secrets-key-r1"]);
    assert.deepEqual(keySecrets(r2).map((m) => m.name), ["sealed-secrets-key-r1", "sealed-secrets-key-r2"]);
    for (const m of keySecrets(r1)) assert.equal(m.labels["sealedsecrets.bitnami.com/sealed-secrets-key"], "active", "the controller reads both");
    const chart = r1.find((r) => r.name === "dev-euw1-sealed-secrets-chart")!;
    for (const s of r1.filter((r) => r.name.startsWith("dev-euw1-sealed-secrets-key-secret"))) assert.ok(chart.dependsOn.includes(s.urn), `the controller starts after ${s.name}`);
    assert.notEqual(annotation(r0), annotation(r1), "a new key set changes the pod template, so the controller restarts and reads it");
  });

  it("ECR repositories are retained when a tenant drops them, is decommissioned or the stack is destroyed, never force-deleted", () => {
    const repos = base.filter((r) => r.type === "aws:ecr/repository:Repository");
    assert.ok(repos.length > 0);
    for (const r of repos) {
      assert.equal(r.retainOnDelete, true, r.name);
      assert.equal(r.inputs.forceDelete, false, r.name);
    }
  });

  it("a tenant's ECR reader role reads only its own repositories, and only its image reader service account on its cluster may assume it", () => {
    const policy = base.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === "sock-shop.dev-euw1-ecr-read")!;
    const doc = JSON.parse(String(policy.inputs.policy));
    const [login, read] = doc.Statement as { Action: string[]; Resource: string | string[] }[];
    assert.deepEqual(login, { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" }, "logging in cannot be scoped to a repository");
    assert.deepEqual(read.Resource, ["arn:aws:ecr:eu-west-1:111122223333:repository/sock-shop/orders"]);
    assert.ok(read.Action.every((a) => a.startsWith("ecr:") && !/Put|Delete|Upload|Create|Initiate|Complete/.test(a)), "read-only actions");
    const role = base.find((r) => r.type === "aws:iam/role:Role" && r.name === "sock-shop.dev-euw1-ecr-reader")!;
    const trust = JSON.parse(String(role.inputs.assumeRolePolicy)).Statement;
    assert.equal(trust.length, 1);
    assert.equal(trust[0].Action, "sts:AssumeRoleWithWebIdentity");
    const conditions = Object.entries(trust[0].Condition.StringEquals as Record<string, string>);
    assert.deepEqual(conditions.filter(([k]) => k.endsWith(":sub")).map(([, v]) => v), ["system:serviceaccount:sock-shop:sock-shop-image-reader"]);
    assert.deepEqual(conditions.filter(([k]) => k.endsWith(":aud")).map(([, v]) => v), ["sts.amazonaws.com"]);
    assert.ok(!base.some((r) => r.type.startsWith("aws:iam/") && (r.name.startsWith("app-a") || r.name.startsWith("flask-app"))), "a tenant without ECR scanning gets no role");
    assert.ok(!base.some((r) => r.type.startsWith("aws:iam/") && r.name.includes("image-reflector")), "no role shared by every tenant");
  });

  it("ECR reader roles grow with tenants one small role each, never one policy document: 1,000 tenants' policies each fit IAM's limits", () => {
    const arns = Array.from({ length: 20 }, (_, i) => `arn:aws:ecr:eu-west-1:111122223333:repository/${"t".repeat(63)}/${String(i).padStart(63, "r")}`);
    assert.ok(ecrReadPolicy(arns).length < 10_240, "a tenant with 20 repositories of the longest names stays under the inline policy cap");
    assert.ok(irsaTrust("arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789", "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789", "n".repeat(63), `${"t".repeat(63)}-image-reader`).length < 2_048, "trust policy under the default 2,048-character quota");
  });

  it("an existing cluster (kind, k3d) gets Flux, sealing and tenants through its kubeconfig context, and no AWS resources", async () => {
    const kubeconfig = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kube-")), "config");
    fs.writeFileSync(kubeconfig, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: [{name: kind-platform, context: {cluster: kind-platform, user: kind-platform}}]\nusers: []\n");
    const config = { "platform:clusters": JSON.stringify([{ name: "local", existing: { context: "kind-platform", kubeconfig } }]) };
    await assert.rejects(runProgram({ stack: "dev", config }), /tenants\/sock-shop\.yaml: imageAutomation\.images\[1\]\.ecr \("orders"\): ECR scanning needs an EKS cluster/);
    const noEcr = tenantsWith((d) => fs.rmSync(path.join(d, "sock-shop.yaml")));
    const rs = (await runProgram({ stack: "dev", config, tenantsDir: noEcr })).registrations;
    assert.equal(rs.filter((r) => r.type.startsWith("aws:ec2") || r.type.startsWith("eks:")).length, 0);
    const provider = rs.find((r) => r.type === "pulumi:providers:kubernetes")!;
    assert.equal(provider.inputs.context, "kind-platform");
    assert.ok(rs.some((r) => r.type === "platform:tenant:Tenant" && r.name === "app-a.local"));
    assert.ok(rs.some((r) => r.type === "kubernetes:fluxcd.controlplane.io/v1:FluxInstance"));
    assert.ok(!rs.some((r) => r.type === "platform:cluster:ClusterAddons"), "no add-ons on a cluster the program did not make");
    const infra = parseAllDocuments(fleetFile(rs, "infrastructure/local/objects.yaml")).map((d) => d.toJS());
    assert.ok(!infra.some((o) => o.kind === "HelmRelease" || o.kind === "StorageClass"), "nor their objects");
  });

  it("an existing cluster named without a kubeconfig is reached through the $KUBECONFIG file that has its context, and a missing one stops at validation", async () => {
    const saved = process.env.KUBECONFIG;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-"));
    const other = path.join(dir, "other");
    const kind = path.join(dir, "kind");
    fs.writeFileSync(other, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: [{name: other, context: {cluster: other, user: other}}]\nusers: []\n");
    fs.writeFileSync(kind, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: [{name: kind-platform, context: {cluster: kind-platform, user: kind-platform}}]\nusers: []\n");
    const config = { "platform:clusters": JSON.stringify([{ name: "local", existing: { context: "kind-platform" } }]) };
    const noEcr = tenantsWith((d) => fs.rmSync(path.join(d, "sock-shop.yaml")));
    try {
      process.env.KUBECONFIG = [other, kind].join(path.delimiter);
      const rs = (await runProgram({ stack: "dev", config, tenantsDir: noEcr, revealSecrets: true })).registrations;
      const provider = rs.find((r) => r.type === "pulumi:providers:kubernetes")!;
      assert.equal(provider.inputs.context, "kind-platform");
      assert.equal(provider.inputs.kubeconfig, fs.readFileSync(kind, "utf8"), "the provider reads the file that has the context, not the list's first");
      process.env.KUBECONFIG = path.join(dir, "absent");
      await assert.rejects(runProgram({ stack: "dev", config, tenantsDir: noEcr }), (e: Error) => {
        assert.match(e.message, /Pulumi\.dev\.yaml: platform:clusters\[0\]\.existing\.context \("kind-platform"\): no kubeconfig holds it/);
        assert.doesNotMatch(e.message, /ResourceError|not found; set existing\.kubeconfig/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });

  it("the webhook receiver's Ingress uses the configured ingress class", async () => {
    const rs = (await runProgram({ stack: "dev", config: { "platform:ingressClassName": "traefik" } })).registrations;
    const ingress = parseAllDocuments(fleetFile(rs, "infrastructure/dev-euw1/objects.yaml")).map((d) => d.toJS()).find((o) => o.kind === "Ingress");
    assert.equal(ingress.spec.ingressClassName, "traefik");
    assert.equal(ingress.spec.rules[0].host, "flux-webhook.dev-euw1.dev.acme.example");
  });

  it("ECR images are scanned with provider aws as the tenant's image reader, and ECR repositories scan on push", () => {
    const repo = tenantObjects(base, "sock-shop", "dev-euw1").find((o) => o.kind === "ImageRepository" && o.metadata.name === "orders");
    assert.equal(repo.spec.provider, "aws");
    assert.equal(repo.spec.serviceAccountName, "sock-shop-image-reader");
    assert.equal(repo.spec.image, "111122223333.dkr.ecr.eu-west-1.amazonaws.com/sock-shop/orders");
    const ecr = base.find((r) => r.type === "aws:ecr/repository:Repository")!;
    assert.deepEqual(ecr.inputs.imageScanningConfiguration, { scanOnPush: true });
    const lifecycle = base.find((r) => r.type === "aws:ecr/lifecyclePolicy:LifecyclePolicy")!;
    assert.equal(JSON.parse(String(lifecycle.inputs.policy)).rules[0].selection.countNumber, 30);
  });
});
