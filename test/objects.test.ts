import { gitHostOf } from "../lib/git-host";
import * as assert from "node:assert/strict";
import type { ClusterContext } from "../lib/objects/context";
import { COMMIT_TEMPLATE } from "../lib/objects/image";
import { API, FLUX_NAMESPACE, names, TENANT_LABEL, type K8sObject } from "../lib/objects/meta";
import { receiverPath, usesWebhook } from "../lib/objects/notifications";
import { fleetEntryPoints, fluxInstance, PLATFORM_APPLIER, platformObjects, receiverIngress, tenantPolicies } from "../lib/objects/platform";
import { officialCrds } from "../engines/crds";
import { RECONCILER_RULES, TENANT_FLUX_RESOURCES, tenantObjects } from "../lib/objects/tenant";
import { loadProject } from "../lib/project";
import { resolveForStage } from "../lib/resolve";
import type { TenantFileInput } from "../lib/tenant-schema";
import type { Tenant } from "../lib/tenants";
import { crdValidator, isBuiltIn, loadCrdSchemas } from "./helpers/crd";
import { build, buildAll, ecrUrl, exampleTenants, minimalTenant, resolvedValues, ROOT, shippedContexts, tenantFrom, type Built } from "./helpers/fixtures";
import * as inv from "./helpers/invariants";

const examples = exampleTenants();
const contexts = shippedContexts();
const DEV = contexts.find((c) => c.cluster === "dev-euw1")!;
const PROD = contexts.find((c) => c.cluster === "prod-euw1")!;
const NO_RECEIVER: ClusterContext = { cluster: "kind", stage: "dev", ingressNamespace: "ingress-nginx", imageAutomation: true };
const byName = (name: string) => examples.find((t) => t.name === name)!;

/** Every feature at once, with a namespace that differs from the name and a prod override. */
const kitchenSinkInput: TenantFileInput = {
  name: "kitchen",
  namespace: "kitchen-ns",
  owners: ["team-k", "guild-x"],
  podSecurity: { enforce: "restricted", warn: "restricted", audit: "restricted" },
  source: { repository: "acme/kitchen", path: "./clusters/{stage}", interval: "1m" },
  quota: { cpu: "4", memory: "8Gi", pods: 40 },
  limits: { defaultCpu: "500m", defaultMemory: "512Mi", defaultRequestCpu: "100m", defaultRequestMemory: "128Mi" },
  network: { isolation: "none" },
  helmRepositories: [
    { name: "bitnami", url: "https://charts.bitnami.com/bitnami" },
    { name: "podinfo", url: "oci://ghcr.io/stefanprodan/charts", interval: "10m" },
  ],
  ecr: ["api", { name: "worker", immutableTags: true, keepLast: 10 }],
  imageAutomation: {
    path: "./clusters/{stage}",
    images: [
      { name: "api", ecr: "api", policy: { semver: ">=1.0.0" } },
      { name: "web", image: "ghcr.io/acme/web", policy: { alphabetical: { order: "desc" } }, filterTags: { pattern: "^main-(?P<ts>[0-9]+)", extract: "$ts" } },
    ],
  },
  notifications: { slack: { channel: "kitchen-alerts" }, githubCommitStatus: true, severity: "info" },
  overrides: { prod: { quota: { cpu: "16", memory: "32Gi" }, source: { path: "./prod-only/{stage}", branch: "release" } } },
};
const kitchenSink = tenantFrom(kitchenSinkInput);
const minimal = tenantFrom({ ...minimalTenant("tiny"), source: { repository: "acme/tiny", webhook: false } });

/** The examples on every shipped cluster, plus the hand-made tenants on a cluster with and without a receiver. */
const all: Built[] = [
  ...buildAll(examples, contexts),
  ...buildAll([kitchenSink, minimal], [...contexts, NO_RECEIVER]),
];
const builtFor = (t: Tenant, ctx: ClusterContext) => build(t, ctx);
const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: K8sObject[], kind: string, name?: string): K8sObject => {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `expected one ${kind}${name ? ` ${name}` : ""}, found ${found.length}`);
  return found[0];
};
const spec = (o: K8sObject) => o.spec as Record<string, any>;

function assertNone(check: (b: Built) => string[]): void {
  const violations = all.flatMap((b) => check(b).map((v) => `${b.tenant.name}@${b.ctx.cluster}: ${v}`));
  assert.deepEqual(violations, []);
}

describe("tenant object builders", () => {
  it("builds the shipped examples on every cluster of their stages", () => {
    const seen = new Set(all.map((b) => `${b.tenant.name}@${b.ctx.cluster}`));
    for (const expected of ["app-a@dev-euw1", "app-a@prod-euw1", "app-a@prod-use1", "flask-app@dev-euw1", "sock-shop@dev-euw1", "sock-shop@prod-use1"]) {
      assert.ok(seen.has(expected), expected);
    }
    assert.ok(!seen.has("flask-app@prod-euw1"), "flask-app lands on dev only");
  });

  it("every object of a tenant lives in its namespace (except the Namespace itself)", () => {
    assertNone(inv.objectsOutsideNamespace);
  });

  it("no tenant object refers to another namespace", () => {
    assertNone(inv.foreignNamespaceReferences);
    // The walk must see the references that do exist, or it proves nothing.
    const refs = inv.namespaceReferences(builtFor(kitchenSink, DEV).objects).map((r) => r.path);
    assert.ok(refs.some((p) => p.endsWith("subjects[0].namespace")), refs.join(", "));
    assert.ok(refs.some((p) => p.endsWith("spec.template.metadata.namespace")), refs.join(", "));
  });

  it("the namespace-reference walk finds a reference to another namespace at any depth", () => {
    const planted = { spec: { a: [{ b: { namespace: "other" } }], targetNamespace: "kube-system" } };
    assert.deepEqual(inv.namespaceReferences(planted), [{ path: "spec.a[0].b.namespace", value: "other" }, { path: "spec.targetNamespace", value: "kube-system" }]);
  });

  it("every object of a tenant carries the tenant label", () => {
    assertNone(inv.objectsWithoutTenantLabel);
  });

  it("every Kustomization impersonates the tenant's reconciler", () => {
    assertNone(inv.appliersNotImpersonating);
    for (const b of all) {
      const k = one(b.objects, "Kustomization");
      const sa = one(b.objects, "ServiceAccount", names.reconciler(b.tenant.name));
      assert.equal(spec(k).serviceAccountName, sa.metadata.name);
      assert.equal(spec(k).targetNamespace, undefined, "no silent rewrite of another namespace into this one: RBAC refuses it");
      assert.equal(sa.automountServiceAccountToken, false);
    }
  });

  it("the reconciler Role grants nothing on serviceaccounts beyond read, and nothing on rbac, networkpolicies or cluster-scoped resources", () => {
    const READ = ["get", "list", "watch"];
    const CLUSTER_SCOPED = ["namespaces", "nodes", "persistentvolumes", "clusterroles", "clusterrolebindings", "customresourcedefinitions", "storageclasses", "priorityclasses", "validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingwebhookconfigurations", "validatingwebhookconfigurations"];
    for (const b of all) {
      const roles = ofKind(b.objects, "Role");
      assert.equal(roles.length, 1);
      const rules = roles[0].rules as { apiGroups: string[]; resources: string[]; verbs: string[] }[];
      assert.deepEqual(rules, RECONCILER_RULES);
      for (const r of rules) {
        const where = JSON.stringify(r);
        assert.ok(!r.apiGroups.includes("*") && !r.verbs.includes("*"), `wildcard group or verb: ${where}`);
        assert.ok(!r.apiGroups.includes("rbac.authorization.k8s.io"), `rbac: ${where}`);
        assert.ok(!r.verbs.some((v) => ["escalate", "bind", "impersonate"].includes(v)), `privilege verbs: ${where}`);
        if (r.apiGroups.includes("networking.k8s.io")) assert.ok(!r.resources.includes("networkpolicies") && !r.resources.includes("*"), `network policies: ${where}`);
        if (r.apiGroups.includes("")) {
          assert.ok(!r.resources.includes("*"), `every core resource: ${where}`);
          if (r.resources.includes("serviceaccounts")) assert.ok(r.verbs.every((v) => READ.includes(v)), `serviceaccounts beyond read: ${where}`);
          assert.ok(!r.resources.includes("serviceaccounts/token"), `token requests: ${where}`);
        }
        assert.ok(!r.resources.some((res) => CLUSTER_SCOPED.includes(res)), `cluster-scoped resource: ${where}`);
        assert.ok(!r.resources.includes("*"), `'*' also grants subresources such as status: ${where}`);
        assert.ok(r.resources.every((res) => !res.includes("/") || READ.includes(r.verbs[0]) && r.verbs.every((v) => READ.includes(v))), `a writable subresource: ${where}`);
      }
    }
  });

  it("the reconciler Role names every Flux kind of the official CRDs in the groups tenants use", () => {
    const crds = officialCrds().flatMap((f) => f.crds as unknown as { spec: { group: string; names: { plural: string } } }[]);
    for (const [group, resources] of Object.entries(TENANT_FLUX_RESOURCES)) {
      const official = crds.filter((c) => c.spec.group === group).map((c) => c.spec.names.plural).sort();
      assert.deepEqual([...resources].sort(), official, group);
      assert.ok(RECONCILER_RULES.some((r) => r.apiGroups.includes(group) && resources.every((res) => r.resources.includes(res))), group);
    }
  });

  it("no tenant RoleBinding refers to a ClusterRole", () => {
    assertNone(inv.clusterWideGrants);
    for (const b of all) {
      const rb = one(b.objects, "RoleBinding");
      assert.deepEqual(rb.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: names.reconciler(b.tenant.name) });
      assert.deepEqual(rb.subjects, [{ kind: "ServiceAccount", name: names.reconciler(b.tenant.name), namespace: b.tenant.namespace }]);
    }
  });

  it("the cluster-wide-grant check catches a ClusterRole binding and a ClusterRoleBinding", () => {
    const b = builtFor(minimal, DEV);
    const rb = one(b.objects, "RoleBinding");
    const bad = [{ ...rb, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" } }, { ...rb, kind: "ClusterRoleBinding" }];
    assert.equal(inv.clusterWideGrants({ ...b, objects: [...b.objects, ...bad] }).length, 2);
  });

  it("every tenant namespace has a ResourceQuota and carries the tenant label", () => {
    assertNone(inv.namespaceWithoutQuotaOrLabel);
  });

  it("a ResourceQuota holds requests, the memory limit, pods and ephemeral storage, and no load balancers, node ports or volumes unless asked", () => {
    const none = { "services.loadbalancers": "0", "services.nodeports": "0", "requests.storage": "0", persistentvolumeclaims: "0", "requests.ephemeral-storage": "10Gi", "limits.ephemeral-storage": "10Gi" };
    const withPods = spec(one(builtFor(byName("app-a"), DEV).objects, "ResourceQuota")).hard;
    assert.deepEqual(withPods, { "requests.cpu": "2", "requests.memory": "4Gi", "limits.memory": "4Gi", pods: "50", ...none });
    const defaultPods = spec(one(builtFor(byName("sock-shop"), DEV).objects, "ResourceQuota")).hard;
    assert.deepEqual(defaultPods, { "requests.cpu": "4", "requests.memory": "8Gi", "limits.memory": "8Gi", pods: "50", ...none });
    const asked = tenantFrom({ ...minimalTenant("lb"), quota: { cpu: "1", memory: "1Gi", pods: 10, loadBalancers: 1, nodePorts: 2, storage: "20Gi", persistentVolumeClaims: 3, ephemeralStorage: "4Gi" } });
    assert.deepEqual(spec(one(builtFor(asked, DEV).objects, "ResourceQuota")).hard, {
      "requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "1Gi", pods: "10",
      "services.loadbalancers": "1", "services.nodeports": "2", "requests.storage": "20Gi", persistentvolumeclaims: "3",
      "requests.ephemeral-storage": "4Gi", "limits.ephemeral-storage": "4Gi",
    });
  });

  it("a LimitRange always defaults ephemeral storage (the quota counts it), CPU and memory only with limits, default requests falling back to the limits", () => {
    const [bare] = spec(one(builtFor(byName("flask-app"), DEV).objects, "LimitRange")).limits;
    assert.deepEqual(bare, { type: "Container", default: { "ephemeral-storage": "1Gi" }, defaultRequest: { "ephemeral-storage": "256Mi" } });
    const [limit] = spec(one(builtFor(byName("app-a"), DEV).objects, "LimitRange")).limits;
    assert.deepEqual(limit, { type: "Container", default: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "1Gi" }, defaultRequest: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "256Mi" } });
    const [own] = spec(one(builtFor(kitchenSink, DEV).objects, "LimitRange")).limits;
    assert.deepEqual(own.defaultRequest, { cpu: "100m", memory: "128Mi", "ephemeral-storage": "256Mi" });
  });

  it("Pod Security labels default to baseline/restricted and follow podSecurity", () => {
    const psa = (t: Tenant) => {
      const labels = one(builtFor(t, DEV).objects, "Namespace").metadata.labels ?? {};
      return ["enforce", "warn", "audit"].map((m) => labels[`pod-security.kubernetes.io/${m}`]);
    };
    assert.deepEqual(psa(byName("app-a")), ["baseline", "restricted", "restricted"]);
    assert.deepEqual(psa(byName("flask-app")), ["restricted", "restricted", "restricted"]);
    assert.deepEqual(psa(tenantFrom({ ...minimalTenant("priv"), podSecurity: { enforce: "privileged", audit: "baseline" } })), ["privileged", "restricted", "baseline"]);
  });

  it("owners become selectable labels and a readable annotation", () => {
    const ns = one(builtFor(byName("sock-shop"), DEV).objects, "Namespace");
    assert.equal(ns.metadata.labels?.["owner.eks-gitops.io/team-shop"], "true");
    assert.equal(ns.metadata.labels?.["owner.eks-gitops.io/frontend-guild"], "true");
    assert.equal(ns.metadata.annotations?.["eks-gitops.io/owners"], "team-shop,frontend-guild");
  });

  it("Flux never prunes a tenant namespace unless the tenant is being decommissioned", () => {
    const annotation = "kustomize.toolkit.fluxcd.io/prune";
    assert.equal(one(builtFor(minimal, DEV).objects, "Namespace").metadata.annotations?.[annotation], "disabled");
    const leaving = tenantFrom({ ...minimalTenant("leaving"), decommission: true });
    assert.equal(one(builtFor(leaving, DEV).objects, "Namespace").metadata.annotations?.[annotation], undefined);
  });

  it("overrides replace quota and path per stage, {stage} substituted", () => {
    const appA = byName("app-a");
    const dev = builtFor(appA, DEV).objects;
    const prod = builtFor(appA, PROD).objects;
    const none = { "services.loadbalancers": "0", "services.nodeports": "0", "requests.storage": "0", persistentvolumeclaims: "0", "requests.ephemeral-storage": "10Gi", "limits.ephemeral-storage": "10Gi" };
    assert.deepEqual(spec(one(dev, "ResourceQuota")).hard, { "requests.cpu": "2", "requests.memory": "4Gi", "limits.memory": "4Gi", pods: "50", ...none });
    assert.deepEqual(spec(one(prod, "ResourceQuota")).hard, { "requests.cpu": "8", "requests.memory": "16Gi", "limits.memory": "16Gi", pods: "100", ...none });
    assert.equal(spec(one(dev, "Kustomization")).path, "./overlays/dev");
    assert.equal(spec(one(prod, "Kustomization")).path, "./overlays/prod");

    const kDev = builtFor(kitchenSink, DEV).objects;
    const kProd = builtFor(kitchenSink, PROD).objects;
    assert.equal(spec(one(kDev, "Kustomization")).path, "./clusters/dev");
    assert.equal(spec(one(kProd, "Kustomization")).path, "./prod-only/prod");
    assert.deepEqual(spec(one(kDev, "GitRepository")).ref, { branch: "main" });
    assert.deepEqual(spec(one(kProd, "GitRepository")).ref, { branch: "release" });
    assert.equal(spec(one(kProd, "ImageUpdateAutomation")).update.path, "./clusters/prod");
    assert.deepEqual(spec(one(kProd, "ImageUpdateAutomation")).git.push, { branch: "release" }, "automation pushes to the stage's branch");
    assert.equal(spec(one(kProd, "ResourceQuota")).hard["requests.cpu"], "16");
    assert.equal(spec(one(kProd, "ResourceQuota")).hard.pods, "50", "an override replaces the quota whole: the base file's 40 pods give way to the default");
    for (const o of [...kDev, ...kProd]) assert.doesNotMatch(JSON.stringify(o), /\{stage\}/);
  });

  it("the GitRepository uses SSH with the deploy key, and the Kustomization prunes from it", () => {
    const objects = builtFor(byName("app-a"), DEV).objects;
    const git = spec(one(objects, "GitRepository"));
    assert.equal(git.url, "ssh://git@github.com/acme/eks-gitops-app-a.git");
    assert.deepEqual(git.secretRef, { name: names.deployKeySecret("app-a") });
    const k = spec(one(objects, "Kustomization"));
    assert.deepEqual(k.sourceRef, { kind: "GitRepository", name: "app-a" });
    assert.equal(k.prune, true);
    assert.equal(one(objects, "SealedSecret", names.deployKeySecret("app-a")).kind, "SealedSecret");
  });

  it("HelmRepository is oci for oci:// URLs", () => {
    const flask = spec(one(builtFor(byName("flask-app"), DEV).objects, "HelmRepository", "podinfo"));
    assert.deepEqual(flask, { interval: "1h", url: "oci://ghcr.io/stefanprodan/charts", type: "oci" });
    const appA = spec(one(builtFor(byName("app-a"), DEV).objects, "HelmRepository", "bitnami"));
    assert.deepEqual(appA, { interval: "1h", url: "https://charts.bitnami.com/bitnami" });
    const kitchen = builtFor(kitchenSink, DEV).objects;
    assert.equal(spec(one(kitchen, "HelmRepository", "podinfo")).type, "oci");
    assert.equal(spec(one(kitchen, "HelmRepository", "bitnami")).type, undefined);
  });

  it("network isolation admits the tenant's own pods, the ingress controller and the cluster's load balancers only, and 'none' keeps only the egress policy (never instance metadata)", () => {
    const policies = ofKind(builtFor(byName("app-a"), DEV).objects, "NetworkPolicy");
    assert.deepEqual(policies.map((p) => p.metadata.name), ["deny-from-other-namespaces", "allow-from-ingress", "allow-from-load-balancers", "restrict-egress"]);
    const fromBalancers = spec(policies[2]).ingress[0].from.map((f: { ipBlock: { cidr: string } }) => f.ipBlock.cidr);
    assert.deepEqual(fromBalancers, ["10.10.0.0/20", "10.10.32.0/20"], "the public subnets of dev-euw1 (10.10.0.0/16, 2 zones): load balancers, never pods");
    assert.ok(!builtFor(byName("app-a"), NO_RECEIVER).objects.some((o) => o.metadata.name === "allow-from-load-balancers"), "an existing cluster has none");
    assert.deepEqual(spec(policies[0]).ingress, [{ from: [{ podSelector: {} }] }]);
    const admitted = spec(policies[1]).ingress[0].from.map((f: { namespaceSelector: { matchLabels: Record<string, string> } }) => f.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]);
    assert.deepEqual(admitted, [DEV.ingressNamespace], "not flux-system: Flux never calls tenant pods");
    const open = ofKind(builtFor(kitchenSink, DEV).objects, "NetworkPolicy");
    assert.deepEqual(open.map((p) => p.metadata.name), ["restrict-egress"]);
    assert.deepEqual(spec(open[0]), spec(policies[3]), "the same egress policy, instance metadata excluded");
  });

  it("tenant egress reaches its namespace, cluster DNS and the outside world, never instance metadata", () => {
    const egress = spec(one(builtFor(byName("app-a"), DEV).objects, "NetworkPolicy", "restrict-egress"));
    assert.deepEqual(egress.policyTypes, ["Egress"]);
    const blocks = egress.egress.flatMap((r: { to: { ipBlock?: { cidr: string; except: string[] } }[] }) => r.to.flatMap((t) => (t.ipBlock ? [t.ipBlock] : [])));
    assert.deepEqual(blocks, [{ cidr: "0.0.0.0/0", except: ["169.254.169.254/32"] }, { cidr: "::/0", except: ["fd00:ec2::254/128"] }]);
    const dns = egress.egress[1];
    assert.deepEqual(dns.ports, [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
  });

  it("image automation emits ImageRepository/ImagePolicy/ImageUpdateAutomation with Setters and a commit template", () => {
    const sock = byName("sock-shop");
    const objects = builtFor(sock, DEV).objects;
    assert.deepEqual(ofKind(objects, "ImageRepository").map((o) => o.metadata.name), ["front-end", "orders"]);
    assert.deepEqual(ofKind(objects, "ImagePolicy").map((o) => o.metadata.name), ["front-end", "orders"]);
    assert.deepEqual(spec(one(objects, "ImagePolicy", "front-end")).policy, { semver: { range: "^0.3.x-0" } });
    assert.deepEqual(spec(one(objects, "ImagePolicy", "orders")), {
      imageRepositoryRef: { name: "orders" },
      policy: { numerical: { order: "asc" } },
      filterTags: { pattern: "^main-[a-fA-F0-9]+-(?P<ts>[0-9]+)", extract: "$ts" },
    });
    const automation = spec(one(objects, "ImageUpdateAutomation"));
    assert.deepEqual(automation.update, { path: "./deploy/kubernetes/overlays/dev", strategy: "Setters" });
    assert.deepEqual(automation.sourceRef, { kind: "GitRepository", name: "sock-shop" });
    assert.deepEqual(automation.git.checkout, { ref: { branch: "main" } }, "pushes to the branch the stage deploys");
    assert.deepEqual(automation.git.push, { branch: "main" });
    assert.equal(automation.git.commit.messageTemplate, COMMIT_TEMPLATE);
    assert.match(automation.git.commit.messageTemplate, /\{\{ range \.Changed\.Changes -\}\}/);
    assert.deepEqual(automation.git.commit.author, { name: "fluxcdbot", email: "fluxcdbot@users.noreply.github.com" });
    assert.equal(automation.interval, "1m");
    assert.deepEqual(spec(one(objects, "ImagePolicy", "front-end")).imageRepositoryRef, { name: "front-end" });
  });

  it("a tenant without image automation gets no image objects", () => {
    for (const b of all.filter((x) => !x.tenant.imageAutomation)) {
      assert.equal(b.objects.filter((o) => o.apiVersion === API.image).length, 0, b.tenant.name);
    }
  });

  it("image objects exist only on the stage's image-automation cluster (clusters pushing one branch would race)", () => {
    const sock = byName("sock-shop");
    assert.ok(ofKind(builtFor(sock, { ...PROD, imageAutomation: true }).objects, "ImageUpdateAutomation").length === 1);
    const elsewhere = builtFor(sock, { ...PROD, imageAutomation: false }).objects;
    assert.deepEqual(elsewhere.filter((o) => o.apiVersion === API.image), []);
    assert.ok(!elsewhere.some((o) => o.metadata.name === "sock-shop-image-reader"), "nor the ECR reader identity");
  });

  it("ECR images are read as the tenant's own image reader service account (object-level workload identity), from the resolved URL", () => {
    const objects = builtFor(byName("sock-shop"), DEV).objects;
    assert.deepEqual(spec(one(objects, "ImageRepository", "orders")), { image: ecrUrl("sock-shop", "orders"), interval: "1m", provider: "aws", serviceAccountName: "sock-shop-image-reader" });
    const reader = one(objects, "ServiceAccount", "sock-shop-image-reader");
    assert.equal(reader.metadata.annotations?.["eks.amazonaws.com/role-arn"], "arn:aws:iam::111122223333:role/flux-ecr-reader-sock-shop", "the tenant's own IAM role");
    assert.equal(reader.metadata.labels?.["app.kubernetes.io/managed-by"], "eks-gitops-platform", "platform-owned: the tenant cannot re-point it");
    assert.deepEqual(spec(one(objects, "ImageRepository", "front-end")), { image: "ghcr.io/acme/front-end", interval: "1m" });
    assert.equal(spec(one(builtFor(kitchenSink, DEV).objects, "ImageRepository", "api")).image, ecrUrl("kitchen", "api"));
  });

  it("an ECR image without a resolved URL is an error, never an ImageRepository without an image", () => {
    const t = resolveForStage(byName("sock-shop"), "dev");
    assert.throws(() => tenantObjects(t, DEV, { ...resolvedValues(t, DEV), ecrUrls: {} }), /no ECR URL resolved for sock-shop\/orders/);
  });

  it("a secret without a sealed value is an error, never an empty SealedSecret", () => {
    const t = resolveForStage(kitchenSink, "dev");
    const values = resolvedValues(t, DEV);
    for (const name of Object.keys(values.sealed)) {
      const { [name]: _dropped, ...rest } = values.sealed;
      assert.throws(() => tenantObjects(t, DEV, { ...values, sealed: rest }), new RegExp(`no sealed values for kitchen-ns/${name}`));
    }
  });

  it("Slack and commit-status Providers reference SealedSecrets, never a plain Secret", () => {
    assertNone(inv.danglingReferences);
    for (const b of all) assert.equal(ofKind(b.objects, "Secret").length, 0, `${b.tenant.name} emits a plain Secret`);
    const objects = builtFor(kitchenSink, DEV).objects;
    const providers = ofKind(objects, "Provider");
    assert.deepEqual(providers.map((p) => spec(p).type), ["slack", "github"]);
    for (const p of providers) {
      const sealed = one(objects, "SealedSecret", spec(p).secretRef.name);
      assert.equal(spec(sealed).template.metadata.name, sealed.metadata.name);
      assert.equal(spec(sealed).template.metadata.namespace, "kitchen-ns");
      assert.deepEqual(sealed.metadata.annotations, undefined, "strict scope: no scope annotation");
      assert.ok(Object.values(spec(sealed).encryptedData as Record<string, string>).every((v) => v.startsWith("AgB")));
    }
    assert.equal(spec(one(objects, "Provider", "kitchen-slack")).channel, "kitchen-alerts");
    assert.equal(spec(one(objects, "Provider", "kitchen-commit-status")).address, "https://github.com/acme/kitchen");
  });

  it("commit statuses go to the stack's Git host: a GitHub Enterprise Server's web address, never github.com", () => {
    const ghes = gitHostOf({ sshUrl: "ssh://git@ghe.acme.example", apiUrl: "https://ghe.acme.example/api/v3/", knownHosts: "ghe.acme.example ssh-ed25519 AAAA" });
    const objects = builtFor(kitchenSink, { ...DEV, git: ghes }).objects;
    assert.equal(spec(one(objects, "Provider", "kitchen-commit-status")).address, "https://ghe.acme.example/acme/kitchen");
    assert.equal(spec(one(objects, "GitRepository", "kitchen")).url, "ssh://git@ghe.acme.example/acme/kitchen.git");
  });

  it("Alerts watch the tenant's own Flux objects with the chosen severity; commit statuses follow the Kustomization", () => {
    const objects = builtFor(kitchenSink, DEV).objects;
    const slack = spec(one(objects, "Alert", "kitchen-slack"));
    assert.equal(slack.eventSeverity, "info");
    assert.deepEqual(slack.providerRef, { name: "kitchen-slack" });
    assert.ok(slack.eventSources.every((s: { name: string; namespace?: string }) => s.name === "*" && s.namespace === undefined));
    assert.ok(slack.eventSources.some((s: { kind: string }) => s.kind === "Kustomization"));
    const status = spec(one(objects, "Alert", "kitchen-commit-status"));
    assert.deepEqual(status.eventSources, [{ kind: "Kustomization", name: "kitchen" }]);
  });

  it("a Receiver exists only when source.webhook and a receiver host", () => {
    const webhookOn = tenantFrom(minimalTenant("hooked"));
    const cases: [Tenant, ClusterContext, boolean][] = [
      [webhookOn, DEV, true],
      [webhookOn, NO_RECEIVER, false],
      [minimal, DEV, false],
      [minimal, NO_RECEIVER, false],
    ];
    for (const [t, ctx, expected] of cases) {
      const b = builtFor(t, ctx);
      assert.equal(usesWebhook(b.tenant, ctx), expected);
      assert.equal(ofKind(b.objects, "Receiver").length, expected ? 1 : 0, `${t.name} on ${ctx.cluster}`);
      assert.equal(b.objects.some((o) => o.metadata.name === names.webhookSecret(t.name)), expected, `${t.name} on ${ctx.cluster}: webhook token`);
    }
    const receiver = spec(one(builtFor(webhookOn, DEV).objects, "Receiver"));
    assert.deepEqual(receiver, { type: "github", events: ["ping", "push"], secretRef: { name: names.webhookSecret("hooked") }, resources: [{ kind: "GitRepository", name: "hooked" }] });
  });

  it("receiverPath is /hook/ + sha256(token + name + namespace)", () => {
    // Pinned with coreutils: printf '%s' 's3cr3tapp-aapp-a' | sha256sum
    assert.equal(receiverPath("s3cr3t", "app-a", "app-a"), "/hook/ae0786ede8691642b155d4f2c76fda9905a9bd8661b461af6984d9deb0c2ecaf");
    // printf '%s' 's3cr3tkitchenkitchen-ns' | sha256sum: the name and the namespace both count, in that order.
    assert.equal(receiverPath("s3cr3t", "kitchen", "kitchen-ns"), "/hook/1b446bfad2a6f6f52bfdcc0b2a66dede62dc28b22bfbe7d4b120d5250afa7772");
    assert.notEqual(receiverPath("s3cr3t", "kitchen-ns", "kitchen"), receiverPath("s3cr3t", "kitchen", "kitchen-ns"));
  });

  it("API versions are the ones Flux 2.9 serves", () => {
    const expected: Record<string, string> = {
      GitRepository: "source.toolkit.fluxcd.io/v1",
      HelmRepository: "source.toolkit.fluxcd.io/v1",
      Kustomization: "kustomize.toolkit.fluxcd.io/v1",
      HelmRelease: "helm.toolkit.fluxcd.io/v2",
      ImageRepository: "image.toolkit.fluxcd.io/v1",
      ImagePolicy: "image.toolkit.fluxcd.io/v1",
      ImageUpdateAutomation: "image.toolkit.fluxcd.io/v1",
      Alert: "notification.toolkit.fluxcd.io/v1beta3",
      Provider: "notification.toolkit.fluxcd.io/v1beta3",
      Receiver: "notification.toolkit.fluxcd.io/v1",
      SealedSecret: "bitnami.com/v1alpha1",
      FluxInstance: "fluxcd.controlplane.io/v1",
    };
    assert.equal(API.helm, expected.HelmRelease);
    const emitted = [...all.flatMap((b) => b.objects), ...fleetEntryPoints("dev-euw1", "10m"), fluxInstance(instanceOptions(true))];
    const kinds = new Set<string>();
    for (const o of emitted.filter((x) => !isBuiltIn(x.apiVersion))) {
      assert.equal(o.apiVersion, expected[o.kind], `${o.kind} uses ${o.apiVersion}`);
      kinds.add(o.kind);
    }
    assert.deepEqual([...kinds].sort(), Object.keys(expected).filter((k) => k !== "HelmRelease").sort(), "every kind above is emitted by some builder");
    // The table agrees with the served versions of the CRDs themselves.
    const served = loadCrdSchemas().filter((s) => s.served).map((s) => `${s.kind} ${s.group}/${s.version}`);
    for (const [kind, apiVersion] of Object.entries(expected)) {
      assert.ok(served.includes(`${kind} ${apiVersion}`), `${kind} ${apiVersion} is not served by the official CRDs`);
    }
  });

  it("builders are pure: the same tenant and cluster give the same objects", () => {
    for (const t of [...examples, kitchenSink]) assert.deepEqual(builtFor(t, DEV).objects, builtFor(t, DEV).objects);
  });
});

describe("official CRD schemas", () => {
  const validate = crdValidator();

  it("every Flux and SealedSecret object the builders emit is valid against the official CRD schema", () => {
    const emitted = [
      ...all.flatMap((b) => b.objects),
      ...contexts.flatMap((c) => fleetEntryPoints(c.cluster, "10m")),
    ];
    const custom = emitted.filter((o) => !isBuiltIn(o.apiVersion));
    const kinds = new Set(custom.map((o) => o.kind));
    for (const k of ["GitRepository", "HelmRepository", "Kustomization", "ImageRepository", "ImagePolicy", "ImageUpdateAutomation", "Alert", "Provider", "Receiver", "SealedSecret"]) {
      assert.ok(kinds.has(k), `no ${k} was checked`);
    }
    const errors = custom.flatMap((o) => validate(o));
    assert.deepEqual(errors, []);
  });

  it("the CRD check rejects a misspelt field, a wrong type and a missing required field", () => {
    const b = builtFor(byName("app-a"), DEV);
    const k = one(b.objects, "Kustomization");
    assert.match(validate({ ...k, spec: { ...spec(k), prun: true } }).join("\n"), /must NOT have additional properties \(prun\)/);
    assert.match(validate({ ...k, spec: { ...spec(k), prune: "yes" } }).join("\n"), /\/spec\/prune must be boolean/);
    const { sourceRef: _s, ...noSource } = spec(k);
    assert.match(validate({ ...k, spec: noSource }).join("\n"), /must have required property 'sourceRef'/);
    assert.match(validate({ ...k, apiVersion: "kustomize.toolkit.fluxcd.io/v1beta1" }).join("\n"), /no official CRD defines Kustomization kustomize.toolkit.fluxcd.io\/v1beta1/);
  });

  it("the FluxInstance is named flux, as its CRD's validation rule demands", () => {
    // CEL rules are not evaluated by the schema check; this one matters enough to check by hand.
    assert.equal(fluxInstance(instanceOptions(false)).metadata.name, "flux");
    assert.equal(fluxInstance(instanceOptions(false)).metadata.namespace, FLUX_NAMESPACE);
  });

  it("no ImagePolicy sets spec.interval without a digest reflection policy, as its CRD's rule demands", () => {
    for (const p of all.flatMap((b) => ofKind(b.objects, "ImagePolicy"))) assert.ok(!("interval" in spec(p)) || "digestReflectionPolicy" in spec(p), p.metadata.name);
  });
});

function instanceOptions(imageAutomation: boolean) {
  const { stack } = loadProject({ projectDir: ROOT, stack: "dev" });
  return { cluster: "dev-euw1", flux: stack.flux, fleet: stack.fleet, imageAutomation, fleetSecretName: "flux-system" };
}

describe("platform objects", () => {
  const objects = tenantPolicies();
  const policies = ofKind(objects, "ValidatingAdmissionPolicy");
  const bindings = ofKind(objects, "ValidatingAdmissionPolicyBinding");

  // What the policies admit and deny is judged by the real API server (test/cluster/); here only their shape.
  it("every tenant admission policy fails closed, denies as Forbidden and matches only the namespace's own service accounts", () => {
    assert.deepEqual(policies.map((p) => p.metadata.name), ["tenant-reconciler-secrets", "tenant-sealed-secret-types", "tenant-services", "tenant-ingress-hosts", "tenant-flux-intervals", "tenant-platform-objects"]);
    for (const p of policies) {
      assert.equal(spec(p).failurePolicy, "Fail", p.metadata.name);
      for (const v of spec(p).validations) assert.equal(v.reason, "Forbidden", p.metadata.name);
      assert.doesNotMatch(JSON.stringify(spec(p).matchConditions), /namespaceObject/, "the API server does not fill namespaceObject in match conditions");
    }
  });

  it("every policy binding denies, and selects exactly the tenant-labelled namespaces", () => {
    assert.deepEqual(bindings.map((b) => spec(b).policyName), policies.map((p) => p.metadata.name));
    for (const binding of bindings) {
      assert.deepEqual(spec(binding).validationActions, ["Deny"]);
      assert.deepEqual(spec(binding).matchResources.namespaceSelector, { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] });
    }
    for (const b of all) assert.ok(TENANT_LABEL in (one(b.objects, "Namespace").metadata.labels ?? {}), `${b.tenant.name}'s namespace is not selected`);
  });

  it("platform objects are cluster-wide policy plus a receiver ingress only where a receiver is declared", () => {
    const policies = Array(6).fill(["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]).flat();
    assert.deepEqual(platformObjects(DEV).map((o) => o.kind), [...policies, "Ingress"]);
    assert.deepEqual(platformObjects(NO_RECEIVER).map((o) => o.kind), policies);
    const [ingress] = receiverIngress(DEV);
    assert.equal(ingress.metadata.namespace, FLUX_NAMESPACE);
    const rule = spec(ingress).rules[0];
    assert.equal(rule.host, DEV.receiver?.host);
    assert.deepEqual(spec(ingress).tls, [{ hosts: [DEV.receiver?.host] }], "GitHub calls https only: the load balancer serves the program's certificate, found by this host");
    assert.equal(spec(ingress).ingressClassName, "alb");
    assert.equal(ingress.metadata.annotations?.["alb.ingress.kubernetes.io/listen-ports"], '[{"HTTPS":443}]');
    const withSecret = receiverIngress({ ...DEV, receiver: { host: "hooks.acme.example", ingressClassName: "nginx", tls: { secretName: "hooks-tls" } } })[0];
    assert.deepEqual(spec(withSecret).tls, [{ hosts: ["hooks.acme.example"], secretName: "hooks-tls" }]);
    assert.equal(withSecret.metadata.annotations, undefined);
    assert.deepEqual(rule.http.paths[0], { path: "/hook/", pathType: "Prefix", backend: { service: { name: "webhook-receiver", port: { number: 80 } } } });
  });

  it("fluxInstance is multitenant with the tenant default service account and network policies", () => {
    const cluster = spec(fluxInstance(instanceOptions(false))).cluster;
    assert.equal(cluster.multitenant, true);
    assert.equal(cluster.tenantDefaultServiceAccount, "default");
    assert.equal(cluster.networkPolicy, true);
  });

  it("fluxInstance runs the image controllers only when asked", () => {
    const without = spec(fluxInstance(instanceOptions(false))).components as string[];
    const withImages = spec(fluxInstance(instanceOptions(true))).components as string[];
    assert.deepEqual(without, ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"]);
    assert.deepEqual(withImages, [...without, "image-reflector-controller", "image-automation-controller"]);
  });

  it("fluxInstance syncs clusters/<cluster> of the fleet branch, with the fleet deploy key", () => {
    const sync = spec(fluxInstance({ ...instanceOptions(false), cluster: "prod-use1" })).sync;
    assert.deepEqual(sync, { kind: "GitRepository", url: "ssh://git@github.com/acme/eks-gitops-fleet.git", ref: "refs/heads/main", path: "clusters/prod-use1", pullSecret: "flux-system", interval: "10m" });
  });

  it("an ACM receiver is served by an internet-facing load balancer on 443 with that certificate", () => {
    const arn = "arn:aws:acm:eu-west-1:111122223333:certificate/0f0e0d0c-0b0a-0908-0706-050403020100";
    const [ingress] = receiverIngress({ ...NO_RECEIVER, receiver: { host: "hooks.acme.example", ingressClassName: "alb", tls: { certificateArn: arn } } });
    assert.equal(ingress.metadata.annotations?.["alb.ingress.kubernetes.io/certificate-arn"], arn);
    assert.equal(ingress.metadata.annotations?.["alb.ingress.kubernetes.io/listen-ports"], '[{"HTTPS":443}]');
    assert.equal(spec(ingress).ingressClassName, "alb");
  });

  it("no Flux controller has a cloud identity of its own: object-level workload identity, tenants default to their `default` service account", () => {
    const cluster = spec(fluxInstance(instanceOptions(true))).cluster;
    assert.equal(cluster.objectLevelWorkloadIdentity, true);
    assert.equal(cluster.multitenantWorkloadIdentity, true);
    assert.equal(spec(fluxInstance(instanceOptions(true))).kustomize, undefined, "no role patched onto a controller's service account");
  });

  it("fleetEntryPoints apply as kustomize-controller, and tenants depend on infrastructure", () => {
    const [infra, tenants] = fleetEntryPoints("dev-euw1", "10m");
    assert.equal(PLATFORM_APPLIER, "kustomize-controller");
    for (const k of [infra, tenants]) {
      assert.equal(spec(k).serviceAccountName, "kustomize-controller");
      assert.equal(k.metadata.namespace, FLUX_NAMESPACE);
      assert.equal(spec(k).prune, true);
      assert.deepEqual(spec(k).sourceRef, { kind: "GitRepository", name: FLUX_NAMESPACE });
    }
    assert.equal(infra.metadata.name, "infrastructure");
    assert.equal(spec(infra).path, "./infrastructure/dev-euw1");
    assert.equal(spec(infra).wait, true);
    assert.equal(tenants.metadata.name, "tenants");
    assert.equal(spec(tenants).path, "./tenants/dev-euw1");
    assert.deepEqual(spec(tenants).dependsOn, [{ name: "infrastructure" }]);
  });
});
