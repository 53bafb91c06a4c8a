import * as assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { startFlux, startGitServer, type FluxEndpoints, type GitServer } from "../../engines/flux";
import { stopProcess } from "../../engines/cluster";
import { FLUX_NAMESPACE, type K8sObject } from "../../lib/objects/meta";
import { receiverPath } from "../../lib/objects/notifications";
import { runProgram } from "../../plan/run";
import type { Registration } from "../../plan/recorder";
import { fleetFilesFrom } from "../../plan/write";
import { tempDir } from "../helpers/fixtures";
import { GitAdmin } from "./git";
import { admitted, apply, eventually, getObject, kubectl } from "./kube";
import { sealedSecretsRbac, startSealedSecretsController } from "./sealed-secrets-chart";
import { live } from "./setup";

/**
 * The product's promise, on real controllers: the plan's fleet tree, pushed to a Git server that
 * authorizes keys per repository as GitHub does, is synced by Flux with the program's fleet key;
 * tenants appear; a team's own repository is applied as the team's reconciler; pushes arrive
 * through the Receiver. The Flux Operator cannot be built here, so the test applies the sync
 * objects the FluxInstance describes, exactly as the operator renders them.
 */
interface Condition { type: string; status: string; reason?: string; message?: string }
interface Status { status?: { conditions?: Condition[]; lastAppliedRevision?: string; artifact?: { revision?: string } } }

const CLUSTER = "dev-euw1";
const readyOf = (kind: string, name: string, namespace: string) => getObject<Status>(kind, name, namespace)?.status?.conditions?.find((c) => c.type === "Ready");
/** The object's status, for failure messages. */
const statusOf = (kind: string, name: string, namespace: string) => () => JSON.stringify(getObject<Status>(kind, name, namespace)?.status ?? "absent");

/** Waits until a Flux object is Ready at `revision` (`main@sha1:<sha>`). */
async function readyAt(kind: string, name: string, namespace: string, sha: string, seconds = 90): Promise<number> {
  const start = Date.now();
  await eventually(`${kind} ${namespace}/${name} Ready at ${sha.slice(0, 7)}`, () => {
    const s = getObject<Status>(kind, name, namespace)?.status;
    const rev = s?.lastAppliedRevision ?? s?.artifact?.revision ?? "";
    return readyOf(kind, name, namespace)?.status === "True" && rev.endsWith(sha) ? true : undefined;
  }, seconds, statusOf(kind, name, namespace));
  return (Date.now() - start) / 1000;
}

/** Waits until a Flux Kustomization has tried `sha` and failed as Forbidden; its message (a verdict on an earlier commit does not count). */
async function forbiddenAt(name: string, namespace: string, sha: string): Promise<string> {
  return eventually(`${namespace}/${name}'s verdict on ${sha.slice(0, 7)}`, () => {
    const s = getObject<Status & { status?: { lastAttemptedRevision?: string } }>("kustomization", name, namespace)?.status;
    const ready = s?.conditions?.find((c) => c.type === "Ready");
    return (s?.lastAttemptedRevision ?? "").endsWith(sha) && ready?.status === "False" && /forbidden/i.test(ready.message ?? "") ? ready.message : undefined;
  }, 120, statusOf("kustomization", name, namespace));
}

/** Asks Flux to reconcile now, as `flux reconcile` does. */
const nudge = (kind: string, name: string, namespace: string) =>
  kubectl(["annotate", "--overwrite", kind, name, "-n", namespace, `reconcile.fluxcd.io/requestedAt=${Date.now()}`]);

interface LoopPlan {
  registrations: Registration[];
  fleet: Record<string, string>;
}

describe("the GitOps loop on real Flux controllers and a real Git server", () => {
  let git: GitServer;
  let flux: FluxEndpoints;
  let admin: GitAdmin;
  let tenantsDir: string;
  let plan: LoopPlan;
  let fleetSha: string;

  const runPlan = async (): Promise<LoopPlan> => {
    const gitHost = { sshUrl: git.sshUrl, apiUrl: "https://git.local.invalid/api/v3/", knownHosts: git.knownHosts };
    const { registrations } = await runProgram({ stack: "dev", tenantsDir, config: { "platform:gitHost": JSON.stringify(gitHost) }, revealSecrets: true });
    return { registrations, fleet: fleetFilesFrom(registrations) };
  };
  const ofType = (p: LoopPlan, type: string) => p.registrations.filter((r) => r.type === type);
  /** Every deploy key the plan registers, granted on the Git server as GitHub would. */
  const grantDeployKeys = (p: LoopPlan) => {
    for (const k of ofType(p, "github:index/repositoryDeployKey:RepositoryDeployKey")) {
      admin.grant(`acme/${String(k.inputs.repository)}`, k.inputs.readOnly === false ? "write" : "read", String(k.inputs.key));
    }
  };
  const pushFleet = (p: LoopPlan, message: string) => admin.push("acme/eks-gitops-fleet", p.fleet, message);

  before(async function () {
    this.timeout(0); // builds the Flux controllers and the Git server on first use
    git = await startGitServer(live(), (l) => console.log(`      ${l}`));
    flux = await startFlux(live(), (l) => console.log(`      ${l}`));
    admin = new GitAdmin(git);
    tenantsDir = tempDir("tenants");
    fs.cpSync(path.join(__dirname, "..", "..", "tenants"), tenantsDir, { recursive: true });
    plan = await runPlan();
    grantDeployKeys(plan);
    // What Pulumi applies itself: namespaces, the fleet key Secret, the sealing key, the FluxInstance.
    const direct = ofType(plan, "kubernetes:core/v1:Namespace").concat(ofType(plan, "kubernetes:core/v1:Secret"), ofType(plan, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance"))
      .map((r) => r.inputs as K8sObject);
    admitted(apply(sealedSecretsRbac()), "the Sealed Secrets controller's RBAC");
    admitted(apply(direct.filter((o) => o.kind === "Namespace")), "platform namespaces");
    admitted(apply(direct.filter((o) => o.kind !== "Namespace")), "the fleet Secret, the sealing key and the FluxInstance");
    await startSealedSecretsController();
  });

  after(async () => {
    // Later suites apply the same names by hand; nothing should reconcile them behind their back.
    for (const name of ["source-controller", "kustomize-controller", "notification-controller", "gitserver"]) await stopProcess(live(), name);
  });

  it("the sync objects the FluxInstance describes point at the fleet repository through the program's fleet key", () => {
    const instance = ofType(plan, "kubernetes:fluxcd.controlplane.io/v1:FluxInstance")[0].inputs as { spec: { sync: Record<string, string>; cluster: { multitenant: boolean } } };
    const sync = instance.spec.sync;
    assert.equal(sync.url, `${git.sshUrl}/acme/eks-gitops-fleet.git`);
    assert.equal(sync.path, `clusters/${CLUSTER}`);
    assert.equal(instance.spec.cluster.multitenant, true);
    // As the operator renders them (internal/builder/templates.go syncTmpl, plus the multitenant profile's serviceAccountName).
    const objects: K8sObject[] = [
      { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: FLUX_NAMESPACE, namespace: FLUX_NAMESPACE }, spec: { interval: sync.interval, ref: { name: sync.ref }, secretRef: { name: sync.pullSecret }, url: sync.url } },
      { apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization", metadata: { name: FLUX_NAMESPACE, namespace: FLUX_NAMESPACE }, spec: { interval: "10m0s", path: sync.path, prune: true, sourceRef: { kind: "GitRepository", name: FLUX_NAMESPACE }, serviceAccountName: "kustomize-controller" } },
    ];
    assert.equal(sync.kind, "GitRepository");
    assert.equal(sync.ref, "refs/heads/main", "the stack's fleet branch");
    const fleetSecretName = (ofType(plan, "kubernetes:core/v1:Secret").map((r) => r.inputs as K8sObject).find((o) => o.metadata.namespace === FLUX_NAMESPACE && o.metadata.name === sync.pullSecret));
    assert.ok(fleetSecretName, `the FluxInstance's pullSecret ${sync.pullSecret} is the Secret the program creates in ${FLUX_NAMESPACE}`);
    const fleetSecret = getObject<{ data: Record<string, string> }>("secret", sync.pullSecret, FLUX_NAMESPACE)!;
    assert.equal(Buffer.from(fleetSecret.data.known_hosts, "base64").toString(), git.knownHosts, "the fleet Secret trusts the Git host's keys from the stack");
    admitted(apply(objects), "the FluxInstance's sync objects");
    // Read back as the API server holds them: what the controllers will act on.
    const repo = getObject<{ spec: { url: string; ref: { name: string }; secretRef: { name: string } } }>("gitrepository", FLUX_NAMESPACE, FLUX_NAMESPACE)!;
    assert.deepEqual([repo.spec.url, repo.spec.ref.name, repo.spec.secretRef.name], [sync.url, sync.ref, sync.pullSecret]);
    const ks = getObject<{ spec: { path: string; serviceAccountName: string; sourceRef: { name: string } } }>("kustomization", FLUX_NAMESPACE, FLUX_NAMESPACE)!;
    assert.deepEqual([ks.spec.path, ks.spec.serviceAccountName, ks.spec.sourceRef.name], [sync.path, "kustomize-controller", FLUX_NAMESPACE]);
  });

  it("the plan's fleet tree, pushed to the fleet repository, is fetched with the fleet key and applied: infrastructure, then tenants", async function () {
    this.timeout(300_000);
    fleetSha = pushFleet(plan, "platform: fleet from the offline plan");
    const seconds = [
      await readyAt("gitrepository", FLUX_NAMESPACE, FLUX_NAMESPACE, fleetSha),
      await readyAt("kustomization", FLUX_NAMESPACE, FLUX_NAMESPACE, fleetSha),
      await readyAt("kustomization", "infrastructure", FLUX_NAMESPACE, fleetSha),
      await readyAt("kustomization", "tenants", FLUX_NAMESPACE, fleetSha, 180),
    ];
    console.log(`      push → tenants Ready in ${seconds.reduce((a, b) => a + b, 0).toFixed(1)}s`);
    const tenantsKs = getObject<{ spec: { dependsOn?: { name: string }[] } }>("kustomization", "tenants", FLUX_NAMESPACE)!;
    assert.deepEqual(tenantsKs.spec.dependsOn?.map((d) => d.name), ["infrastructure"], "tenants wait for infrastructure (the policies)");
    const tenantNamespaces = tenantsInFleet(plan.fleet);
    assert.ok(tenantNamespaces.length >= 3, `tenants in the plan's fleet: ${tenantNamespaces.join(", ")}`);
    const publicKeys = new Map(ofType(plan, "github:index/repositoryDeployKey:RepositoryDeployKey").map((k) => [String(k.inputs.repository), String(k.inputs.key).trim()]));
    for (const [tenant, ns] of tenantNamespaces) {
      assert.ok(getObject("namespace", ns), `namespace ${ns}`);
      assert.ok(getObject("resourcequota", `${tenant}-quota`, ns), `quota in ${ns}`);
      assert.ok(getObject("rolebinding", `${tenant}-reconciler`, ns), `reconciler RBAC in ${ns}`);
      assert.ok(getObject("sealedsecret", `${tenant}-deploy-key`, ns), `deploy-key SealedSecret in ${ns}`);
      const secret = await eventually(`${tenant}'s deploy-key Secret opened`, () => getObject<{ data: Record<string, string> }>("secret", `${tenant}-deploy-key`, ns));
      assert.deepEqual(Object.keys(secret.data).sort(), ["identity", "identity.pub", "known_hosts"]);
      assert.equal(Buffer.from(secret.data.known_hosts, "base64").toString(), git.knownHosts);
      const repository = (getObject<{ spec: { url: string } }>("gitrepository", tenant, ns)!.spec.url.split("/").pop() ?? "").replace(/\.git$/, "");
      assert.equal(Buffer.from(secret.data["identity.pub"], "base64").toString().trim(), publicKeys.get(repository), `${tenant}'s opened key is the deploy key registered on ${repository}`);
    }
  });

  it("a team's repository is fetched with its sealed deploy key and applied as its reconciler", async function () {
    this.timeout(180_000);
    const sha = admin.push("acme/eks-gitops-app-a", appFiles("app-a"), "app: first release");
    nudge("gitrepository", "app-a", "app-a");
    await readyAt("kustomization", "app-a", "app-a", sha, 120);
    const deployment = getObject<{ metadata: { managedFields: { manager: string }[] } }>("deployment", "web", "app-a");
    assert.ok(deployment, "the Deployment exists in the tenant namespace");
    assert.ok(getObject("service", "web", "app-a") && getObject("configmap", "web", "app-a"));
  });

  it("a HelmRelease or Kustomization in a team's repository that names no service account (or another one) runs as the tenant's reconciler", async function () {
    this.timeout(180_000);
    const sha = admin.push("acme/eks-gitops-app-a", { ...appFiles("app-a"), "overlays/dev/release.yaml": TEAM_FLUX_OBJECTS, "nested/configmap.yaml": NESTED_CONFIGMAP }, "app: a chart and a nested Kustomization");
    nudge("gitrepository", "app-a", "app-a");
    await readyAt("kustomization", "app-a", "app-a", sha, 120);
    const sa = (kind: string, name: string) => getObject<{ spec: { serviceAccountName?: string } }>(kind, name, "app-a")?.spec.serviceAccountName;
    assert.equal(sa("helmrelease", "web-chart"), "app-a-reconciler", "the HelmRelease named none");
    assert.equal(sa("kustomization", "nested"), "app-a-reconciler", "the Kustomization named `default`");
    await readyAt("kustomization", "nested", "app-a", sha, 120);
    assert.ok(getObject("configmap", "nested", "app-a"), "the nested Kustomization applied as the reconciler (as `default` it could apply nothing)");
  });

  it("the EKS add-ons are applied by their own Kustomization after the policies, and tenants do not wait for them", () => {
    const entry = plan.fleet[`clusters/${CLUSTER}/platform.yaml`];
    assert.match(entry, /name: addons/);
    for (const name of ["aws-load-balancer-controller", "external-dns"]) assert.ok(getObject("helmrelease", name, FLUX_NAMESPACE), `the HelmRelease ${name} was applied`);
    assert.ok(getObject("storageclass", "gp3"), "the default StorageClass was applied");
    // Their charts need helm-controller and the internet, neither of which this harness has:
    // `addons` stays not Ready, and the tenants above reconciled regardless.
    assert.notEqual(readyOf("kustomization", "addons", FLUX_NAMESPACE)?.status, "True");
    assert.equal(readyOf("kustomization", "tenants", FLUX_NAMESPACE)?.status, "True");
  });

  it("a tenant commit adding a RoleBinding or a cluster-scoped object is refused as Forbidden and nothing of it is created", async function () {
    this.timeout(180_000);
    const sha = admin.push("acme/eks-gitops-app-a", { ...appFiles("app-a"), "overlays/dev/escalate.yaml": ESCALATE }, "app: try to escalate");
    nudge("gitrepository", "app-a", "app-a");
    const message = await forbiddenAt("app-a", "app-a", sha);
    console.log(`      refused: ${message!.slice(0, 160)}…`);
    assert.match(message!, /is forbidden: User "system:serviceaccount:app-a:app-a-reconciler" cannot/);
    assert.equal(getObject("rolebinding", "escalate", "app-a"), undefined);
    assert.equal(getObject("clusterrolebinding", "app-a-escalate"), undefined);
  });

  it("a tenant commit adding an object in another namespace is refused as Forbidden and nothing of it is created", async function () {
    this.timeout(180_000);
    const foreign = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: planted, namespace: flask }\ndata: { x: y }\n";
    const sha = admin.push("acme/eks-gitops-app-a", { ...appFiles("app-a"), "overlays/dev/planted.yaml": foreign }, "app: plant a ConfigMap in flask");
    nudge("gitrepository", "app-a", "app-a");
    const message = await forbiddenAt("app-a", "app-a", sha);
    console.log(`      refused: ${message!.slice(0, 160)}…`);
    assert.match(message!, /is forbidden: User "system:serviceaccount:app-a:app-a-reconciler" cannot .* in the namespace "flask"/);
    assert.equal(getObject("configmap", "planted", "flask"), undefined, "nothing in flask");
    assert.equal(getObject("configmap", "planted", "app-a"), undefined, "nor rewritten into app-a");
  });

  it("a tenant Kustomization naming a source in another namespace is refused", async function () {
    this.timeout(180_000);
    const sha = admin.push("acme/eks-gitops-app-a", { ...appFiles("app-a"), "overlays/dev/cross.yaml": CROSS_NAMESPACE }, "app: reference the fleet");
    nudge("gitrepository", "app-a", "app-a");
    await readyAt("kustomization", "app-a", "app-a", sha, 120);
    const message = await eventually("the cross-namespace Kustomization's verdict", () => {
      const r = readyOf("kustomization", "steal-fleet", "app-a");
      return r?.status === "False" ? r.message : undefined;
    }, 60, statusOf("kustomization", "steal-fleet", "app-a"));
    console.log(`      refused: ${message}`);
    assert.match(message!, /cross-namespace references have been blocked/);
  });

  it("tenant A's deploy key cannot read tenant B's repository", async function () {
    this.timeout(120_000);
    admin.push("acme/flask-app", appFiles("flask"), "flask: first release");
    const probe: K8sObject = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "probe-other-repo", namespace: "app-a" },
      spec: { interval: "1m", url: `${git.sshUrl}/acme/flask-app.git`, ref: { branch: "main" }, secretRef: { name: "app-a-deploy-key" } },
    };
    admitted(apply([probe]), "a GitRepository using app-a's key on flask-app's repository");
    const message = await eventually("the probe's verdict", () => {
      const r = readyOf("gitrepository", "probe-other-repo", "app-a");
      return r?.status === "False" && r.message ? r.message : undefined;
    }, 60);
    console.log(`      refused: ${message.slice(0, 200)}`);
    assert.match(message, /Repository not found or this key may not read it/);
  });

  it("a GitHub-signed push to the Receiver path the program computes triggers a reconcile of the tenant source within seconds", async function () {
    this.timeout(60_000);
    const webhook = ofType(plan, "github:index/repositoryWebhook:RepositoryWebhook").find((r) => r.inputs.repository === "eks-gitops-app-a")!;
    const configuration = webhook.inputs.configuration as { url: string; secret: string };
    const hookPath = new URL(configuration.url).pathname;
    assert.equal(hookPath, receiverPath(configuration.secret, "app-a", "app-a"));
    const before = getObject<{ metadata: { annotations?: Record<string, string> } }>("gitrepository", "app-a", "app-a")?.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
    const body = JSON.stringify({ ref: "refs/heads/main", repository: { full_name: "acme/eks-gitops-app-a" } });
    const signature = `sha256=${createHmac("sha256", configuration.secret).update(body).digest("hex")}`;
    const start = Date.now();
    const res = await fetch(`${flux.receiver}${hookPath}`, { method: "POST", body, headers: { "Content-Type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": signature, "X-GitHub-Delivery": "test" } });
    assert.equal(res.status, 200, await res.text());
    const requested = await eventually("the Receiver's reconcile request on the GitRepository", () => {
      const now = getObject<{ metadata: { annotations?: Record<string, string> } }>("gitrepository", "app-a", "app-a")?.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
      return now && now !== before ? now : undefined;
    }, 15);
    const requestedIn = (Date.now() - start) / 1000;
    // source-controller acknowledges a handled request by echoing it in its status.
    await eventually("source-controller handling the request", () => (getObject<{ status?: { lastHandledReconcileAt?: string } }>("gitrepository", "app-a", "app-a")?.status?.lastHandledReconcileAt === requested ? true : undefined), 30, statusOf("gitrepository", "app-a", "app-a"));
    console.log(`      webhook → reconcile requested in ${requestedIn.toFixed(1)}s, reconciled in ${((Date.now() - start) / 1000).toFixed(1)}s`);
  });

  it("a new tenant file becomes a namespace on the next fleet commit; decommissioning prunes its objects and keeps its namespace", async function () {
    this.timeout(300_000);
    fs.writeFileSync(path.join(tenantsDir, "late-team.yaml"), "name: late-team\nowners: [team-late]\nstages: [dev]\nsource:\n  repository: acme/late-team\nquota: { cpu: \"1\", memory: 1Gi }\n");
    const added = await runPlan();
    grantDeployKeys(added);
    let sha = pushFleet(added, "platform: add late-team");
    nudge("gitrepository", FLUX_NAMESPACE, FLUX_NAMESPACE);
    await readyAt("kustomization", "tenants", FLUX_NAMESPACE, sha, 180);
    assert.ok(getObject("namespace", "late-team"), "the new tenant's namespace");
    assert.ok(getObject("rolebinding", "late-team-reconciler", "late-team"));

    fs.appendFileSync(path.join(tenantsDir, "late-team.yaml"), "decommission: true\n");
    const gone = await runPlan();
    sha = pushFleet(gone, "platform: decommission late-team");
    nudge("gitrepository", FLUX_NAMESPACE, FLUX_NAMESPACE);
    await readyAt("kustomization", "tenants", FLUX_NAMESPACE, sha, 180);
    const pruned = [["rolebinding", "late-team-reconciler"], ["gitrepository", "late-team"], ["kustomization", "late-team"], ["resourcequota", "late-team-quota"], ["sealedsecret", "late-team-deploy-key"], ["networkpolicy", "restrict-egress"]];
    await eventually("late-team's objects pruned", () => (pruned.every(([kind, name]) => getObject(kind, name, "late-team") === undefined) ? true : undefined), 60,
      () => `still there: ${pruned.filter(([kind, name]) => getObject(kind, name, "late-team") !== undefined).map(([k, n]) => `${k}/${n}`).join(", ")}`);
    const ns = getObject<{ status: { phase: string } }>("namespace", "late-team");
    assert.equal(ns?.status.phase, "Active", "the namespace stays");
  });
});

/** [tenant, namespace] of every tenant folder in the plan's fleet tree for the cluster. */
function tenantsInFleet(fleet: Record<string, string>): [string, string][] {
  return Object.entries(fleet)
    .filter(([file]) => file.startsWith(`tenants/${CLUSTER}/`) && file.endsWith("/objects.yaml"))
    .map(([file, content]) => {
      const ns = parseAllDocuments(content).map((d) => d.toJS() as K8sObject).find((o) => o.kind === "Namespace");
      return [file.split("/")[2], ns?.metadata.name ?? ""] as [string, string];
    });
}

/** A small app in the layout the tenant file names (`./overlays/{stage}`), each object naming its namespace. */
function appFiles(namespace: string): Record<string, string> {
  const dir = namespace === "flask" ? "k8s" : "overlays/dev";
  const files: Record<string, string> = {
    [`${dir}/deployment.yaml`]: `apiVersion: apps/v1
kind: Deployment
metadata: { name: web }
spec:
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      containers:
        - name: web
          image: ghcr.io/acme/web:1.0.0
          resources: { requests: { cpu: 50m, memory: 64Mi }, limits: { memory: 64Mi } }
`,
    [`${dir}/service.yaml`]: "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec: { selector: { app: web }, ports: [{ port: 80 }] }\n",
    [`${dir}/configmap.yaml`]: "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: web }\ndata: { greeting: hello }\n",
  };
  return Object.fromEntries(Object.entries(files).map(([f, y]) => [f, y.replace(/metadata: \{ name: web \}/, `metadata: { name: web, namespace: ${namespace} }`)]));
}

const TEAM_FLUX_OBJECTS = `apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata: { name: web-chart, namespace: app-a }
spec:
  interval: 10m
  chart: { spec: { chart: podinfo, sourceRef: { kind: HelmRepository, name: podinfo } } }
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: nested, namespace: app-a }
spec:
  interval: 10m
  path: ./nested
  prune: true
  serviceAccountName: default
  sourceRef: { kind: GitRepository, name: app-a }
`;

const NESTED_CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: { name: nested, namespace: app-a }\ndata: { from: nested }\n";

const ESCALATE = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: escalate, namespace: app-a }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }
subjects: [{ kind: ServiceAccount, name: default, namespace: app-a }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: app-a-escalate }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: default, namespace: app-a }]
`;

const CROSS_NAMESPACE = `apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: { name: steal-fleet, namespace: app-a }
spec:
  interval: 10m
  path: ./
  prune: false
  serviceAccountName: app-a-reconciler
  sourceRef: { kind: GitRepository, name: flux-system, namespace: flux-system }
`;
