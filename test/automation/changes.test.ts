import * as assert from "node:assert/strict";
import { DEPLOY_KEY_TYPE, FLEET_COMMIT_TYPE, NAMESPACE_TYPE, summarizeEvents, TENANT_KEYS_TYPE, TENANT_TYPE } from "../../automation/changes";
import { step, urn } from "./fakes";

const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const REPO = "github:index/repository:Repository";
const BUCKET = "aws:s3/bucket:Bucket";

const tenantUrn = (component: string) => urn(TENANT_TYPE, component);
const inTenant = (type: string, name: string) => urn(type, name, [TENANT_TYPE]);

describe("engine events → stack changes", () => {
  it("creates, updates, deletes and replaces are counted by resource type", () => {
    const changes = summarizeEvents([
      step("create", urn(BUCKET, "logs"), BUCKET),
      step("create", urn(BUCKET, "state"), BUCKET),
      step("update", urn(QUOTA, "q"), QUOTA),
      step("delete", urn(ROLE, "rb"), ROLE),
      step("replace", urn(QUOTA, "q2"), QUOTA),
      step("same", urn(REPO, "unchanged"), REPO),
    ]);
    assert.deepEqual(changes.byType, {
      [BUCKET]: { create: 2, update: 0, delete: 0, replace: 0 },
      [QUOTA]: { create: 0, update: 1, delete: 0, replace: 1 },
      [ROLE]: { create: 0, update: 0, delete: 1, replace: 0 },
    });
  });

  it("a step reported by both its pre-event and its outputs event counts once", () => {
    const u = urn(BUCKET, "logs");
    const changes = summarizeEvents([step("create", u, BUCKET), step("create", u, BUCKET, { outputs: true })]);
    assert.equal(changes.byType[BUCKET].create, 1);
  });

  it("a replacement counts once, not once per replacement sub-step", () => {
    const u = urn(BUCKET, "logs");
    const changes = summarizeEvents([
      step("create-replacement", u, BUCKET),
      step("replace", u, BUCKET),
      step("delete-replaced", u, BUCKET),
    ]);
    assert.deepEqual(changes.byType[BUCKET], { create: 0, update: 0, delete: 0, replace: 1 });
  });

  it("tenants touched are the tenant components with a changed resource, split into tenant and cluster", () => {
    const changes = summarizeEvents([
      step("same", tenantUrn("app-a-dev-euw1"), TENANT_TYPE),
      step("same", tenantUrn("sock-shop-dev-euw1"), TENANT_TYPE),
      step("same", tenantUrn("flask-app-dev-euw1"), TENANT_TYPE),
      step("update", inTenant(QUOTA, "app-a-dev-euw1-quota"), QUOTA, { parent: tenantUrn("app-a-dev-euw1") }),
      // created outside the component but named after it
      step("create", urn(REPO, "sock-shop-dev-euw1-repo"), REPO),
      step("same", inTenant(ROLE, "flask-app-dev-euw1-rb"), ROLE, { parent: tenantUrn("flask-app-dev-euw1") }),
      step("create", urn(BUCKET, "platform-logs"), BUCKET),
    ], ["app-a", "flask-app", "sock-shop"]);
    assert.deepEqual(changes.tenants, ["app-a (dev-euw1)", "sock-shop (dev-euw1)"]);
  });

  it("a resource nested below a tenant's sub-component still belongs to that tenant", () => {
    const sub = urn("platform:tenant:Delivery", "app-a-dev-euw1-delivery", [TENANT_TYPE]);
    const changes = summarizeEvents([
      step("same", tenantUrn("app-a-dev-euw1"), TENANT_TYPE),
      step("same", sub, "platform:tenant:Delivery", { parent: tenantUrn("app-a-dev-euw1") }),
      step("update", urn(ROLE, "deliverer", [TENANT_TYPE, "platform:tenant:Delivery"]), ROLE, { parent: sub }),
    ], ["app-a"]);
    assert.deepEqual(changes.tenants, ["app-a (dev-euw1)"]);
  });

  it("a tenant component <tenant>.<cluster> splits exactly at the dot, whatever dashes the names hold", () => {
    const changes = summarizeEvents([step("update", inTenant(QUOTA, "a-b.c-d-quota"), QUOTA, { parent: tenantUrn("a-b.c-d") })]);
    assert.deepEqual(changes.tenants, ["a-b (c-d)"]);
  });

  it("a deploy key on a repository no key of the stack used before is flagged as a new repository; a key turning writable as a write key", () => {
    const keys = urn(TENANT_KEYS_TYPE, "app-b");
    const key = (name: string) => urn(DEPLOY_KEY_TYPE, name, [TENANT_KEYS_TYPE]);
    const changes = summarizeEvents([
      step("same", urn(DEPLOY_KEY_TYPE, "app-a-read-deploy-key", [TENANT_KEYS_TYPE]), DEPLOY_KEY_TYPE, { inputs: { old: { repository: "app-a", readOnly: true }, new: { repository: "app-a", readOnly: true } } }),
      step("create", key("app-b-read-deploy-key"), DEPLOY_KEY_TYPE, { parent: keys, inputs: { new: { repository: "payments", readOnly: true } } }),
      step("create", key("app-a-write-deploy-key"), DEPLOY_KEY_TYPE, { inputs: { new: { repository: "app-a", readOnly: false } } }),
      step("create", key("app-c-read-deploy-key"), DEPLOY_KEY_TYPE, { inputs: { new: { repository: "app-a", readOnly: true } } }),
    ], ["app-a", "app-b", "app-c"]);
    assert.deepEqual(changes.accessGrants.map((g) => [g.kind, g.repository, g.tenant]), [
      ["new repository", "payments", "app-b"],
      ["write key", "app-a", undefined],
    ]);
  });

  it("in gitops delivery, a fleet commit removing a tenant's folder is a namespace deletion, named from the file", () => {
    const ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: flask\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata:\n  name: q\n";
    const files = { "tenants/dev-euw1/flask-app/objects.yaml": ns, "tenants/dev-euw1/app-a/objects.yaml": "kind: Namespace\nmetadata: { name: app-a }\n" };
    const { "tenants/dev-euw1/flask-app/objects.yaml": _gone, ...rest } = files;
    const changes = summarizeEvents([step("update", urn(FLEET_COMMIT_TYPE, "fleet.dev-euw1"), FLEET_COMMIT_TYPE, { inputs: { old: { files }, new: { files: rest } } })]);
    assert.deepEqual(changes.namespaceDeletions.map((d) => [d.op, d.namespace, d.tenant, d.cluster]), [["delete", "flask", "flask-app", "dev-euw1"]]);
    const same = summarizeEvents([step("update", urn(FLEET_COMMIT_TYPE, "fleet.dev-euw1"), FLEET_COMMIT_TYPE, { inputs: { old: { files }, new: { files } } })]);
    assert.deepEqual(same.namespaceDeletions, []);
  });

  it("without tenant names to split on, the tenant component name is reported whole", () => {
    const changes = summarizeEvents([step("create", tenantUrn("app-a-dev-euw1"), TENANT_TYPE)]);
    assert.deepEqual(changes.tenants, ["app-a-dev-euw1"]);
  });

  it("a deleted tenant namespace names the namespace, tenant and cluster", () => {
    const changes = summarizeEvents([
      step("delete", tenantUrn("app-a-dev-euw1"), TENANT_TYPE),
      step("delete", inTenant(NAMESPACE_TYPE, "app-a-dev-euw1-ns"), NAMESPACE_TYPE, {
        parent: tenantUrn("app-a-dev-euw1"),
        k8sName: "app-a",
      }),
    ]);
    assert.deepEqual(changes.namespaceDeletions, [
      { op: "delete", namespace: "app-a", tenant: "app-a", cluster: "dev-euw1", urn: inTenant(NAMESPACE_TYPE, "app-a-dev-euw1-ns") },
    ]);
  });

  it("a replaced namespace counts as a namespace deletion, an updated one does not", () => {
    const changes = summarizeEvents([
      step("replace", urn(NAMESPACE_TYPE, "ingress"), NAMESPACE_TYPE, { k8sName: "ingress-nginx" }),
      step("update", urn(NAMESPACE_TYPE, "flux"), NAMESPACE_TYPE, { k8sName: "flux-system" }),
    ]);
    assert.deepEqual(changes.namespaceDeletions.map((d) => [d.op, d.namespace, d.tenant]), [["replace", "ingress-nginx", undefined]]);
  });

  it("only deletions of protected resources are reported as protected deletions", () => {
    const changes = summarizeEvents([
      step("delete", urn(BUCKET, "state"), BUCKET, { protect: true }),
      step("replace", urn(BUCKET, "audit"), BUCKET, { protect: true }),
      step("delete", urn(BUCKET, "scratch"), BUCKET),
      step("update", urn(BUCKET, "logs"), BUCKET, { protect: true }),
    ]);
    assert.deepEqual(changes.protectedDeletions.map((d) => `${d.op} ${d.name}`), ["delete state", "replace audit"]);
  });

  it("events without resource steps are ignored", () => {
    const changes = summarizeEvents([{ sequence: 1, timestamp: 0, stdoutEvent: { message: "hi", color: "never" } }]);
    assert.deepEqual(changes, { byType: {}, tenants: [], namespaceDeletions: [], protectedDeletions: [], accessGrants: [] });
  });
});
