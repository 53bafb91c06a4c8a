/**
 * The program with `platform:delivery: direct`: tenant objects are applied with each cluster's
 * Kubernetes provider instead of being committed to the fleet repository. Also the first step of
 * removing a tenant (`decommission: true`), which only this mode carries out in Pulumi.
 */
import * as assert from "node:assert/strict";
import type { Registration } from "../plan/recorder";
import {
  childrenOf,
  fleetFiles,
  hasRegistration,
  planOf,
  refersTo,
  registration,
  registrationsOf,
  RESOURCE_TYPE as T,
  stackFile,
  tenantsDir,
  yamlObjects,
  type Plan,
} from "./mocks";

const DIRECT = { "platform:delivery": "direct" };
const STACKS = ["dev", "prod"] as const;
/** Per stack file: the tenants on that stage and their namespaces (see tenants/*.yaml). */
const TENANTS: Record<(typeof STACKS)[number], Record<string, string>> = {
  dev: { "app-a": "app-a", "flask-app": "flask", "sock-shop": "sock-shop" },
  prod: { "app-a": "app-a", "sock-shop": "sock-shop" },
};
const clustersOf = (stack: string) => (stackFile(stack).config["platform:clusters"] as { name: string }[]).map((c) => c.name);
const protectsNamespaces = (stack: string) => stackFile(stack).config["platform:protectNamespaces"] === true;

const k8sProviderOf = (plan: Plan, cluster: string) => registration(plan, "pulumi:providers:kubernetes", `${cluster}-k8s`);
const namespaceOf = (plan: Plan, tenant: string, cluster: string) => registration(plan, T.namespace, `${tenant}.${cluster}-ns`);
const objectsOf = (group: Registration) => group.inputs.objs as { kind: string; metadata: { name: string; namespace?: string } }[];

describe("program: direct delivery", () => {
  for (const stack of STACKS) {
    describe(stack, () => {
      const plan = () => planOf({ stack, config: DIRECT });

      it("no tenant file is committed to the fleet repository; each cluster's entry point is empty", async () => {
        const p = await plan();
        assert.equal(p.outputs.delivery, "direct", "premise: the override took effect");
        const files = fleetFiles(p).map((f) => String(f.inputs.file)).sort();
        assert.deepEqual(files, clustersOf(stack).map((c) => `clusters/${c}/kustomization.yaml`).sort());
        for (const f of fleetFiles(p)) assert.deepEqual(yamlObjects(f.inputs.content)[0].resources, [], String(f.inputs.file));
      });

      it(`every tenant gets its namespace on every cluster, kept when its resource is deleted${protectsNamespaces(stack) ? " and protected" : ""}`, async () => {
        const p = await plan();
        for (const cluster of clustersOf(stack)) {
          for (const [tenant, ns] of Object.entries(TENANTS[stack])) {
            const namespace = namespaceOf(p, tenant, cluster);
            assert.equal(namespace.parent, registration(p, T.tenant, `${tenant}.${cluster}`).urn);
            assert.equal((namespace.inputs.metadata as { name: string }).name, ns);
            assert.ok(refersTo(namespace.provider, k8sProviderOf(p, cluster)), `${namespace.name} is applied to ${cluster}`);
            assert.equal(namespace.retainOnDelete, true, namespace.name);
            assert.equal(namespace.protect, protectsNamespaces(stack) ? true : undefined, namespace.name);
          }
        }
      });

      it("the rest of each tenant's objects is one ConfigGroup in the tenant's namespace that waits for the namespace", async () => {
        const p = await plan();
        for (const cluster of clustersOf(stack)) {
          for (const [tenant, ns] of Object.entries(TENANTS[stack])) {
            const group = registration(p, T.configGroup, `${tenant}.${cluster}-objects`);
            assert.equal(group.parent, registration(p, T.tenant, `${tenant}.${cluster}`).urn);
            assert.ok(refersTo(group.provider, k8sProviderOf(p, cluster)), `${group.name} is applied to ${cluster}`);
            assert.ok(group.dependsOn.includes(namespaceOf(p, tenant, cluster).urn), `${group.name} waits for the namespace`);
            const objs = objectsOf(group);
            assert.ok(!objs.some((o) => o.kind === "Namespace"), "the namespace is its own resource");
            for (const kind of ["ResourceQuota", "RoleBinding", "SealedSecret", "GitRepository", "Kustomization"]) {
              assert.ok(objs.some((o) => o.kind === kind), `${group.name} has a ${kind}`);
            }
            assert.ok(objs.some((o) => o.kind === "SealedSecret" && o.metadata.name === `${tenant}-deploy-key`), "the deploy key travels sealed");
            for (const o of objs) assert.equal(o.metadata.namespace, ns, `${o.kind}/${o.metadata.name}`);
          }
        }
      });

      it("the platform's own objects are applied per cluster after Flux and the Sealed Secrets controller", async () => {
        const p = await plan();
        for (const cluster of clustersOf(stack)) {
          const group = registration(p, T.configGroup, `${cluster}-platform`);
          assert.ok(refersTo(group.provider, k8sProviderOf(p, cluster)));
          assert.ok(group.dependsOn.includes(registration(p, T.fluxInstance, `${cluster}-flux-instance`).urn));
          assert.ok(group.dependsOn.includes(registration(p, T.chart, `${cluster}-sealed-secrets-chart`).urn));
        }
      });

      it("on destroy the receiver's Ingress and every tenant's objects go before the load balancer controller, whose finalizer deletes their load balancers", async () => {
        const p = await plan();
        for (const cluster of clustersOf(stack)) {
          const platform = registration(p, T.configGroup, `${cluster}-platform`);
          assert.ok(objectsOf(platform).some((o) => o.kind === "HelmRelease" && o.metadata.name === "aws-load-balancer-controller"), "premise: the controller is in the platform group");
          assert.deepEqual(objectsOf(platform).filter((o) => o.kind === "Ingress"), [], "no Ingress shares the controller's group");
          const ingresses = registration(p, T.configGroup, `${cluster}-ingresses`);
          assert.deepEqual(objectsOf(ingresses).map((o) => `${o.kind}/${o.metadata.name}`), ["Ingress/flux-webhook-receiver"]);
          assert.ok(ingresses.dependsOn.includes(platform.urn), "the receiver's Ingress is deleted before the controller");
          for (const tenant of Object.keys(TENANTS[stack])) {
            assert.ok(registration(p, T.tenant, `${tenant}.${cluster}`).dependsOn.includes(platform.urn), `${tenant} is deleted before the controller`);
          }
        }
      });
    });
  }

  describe("decommissioning a tenant (prod, sock-shop has decommission: true)", () => {
    let dir: string | undefined;
    const plan = () => {
      dir ??= tenantsDir((tenants) => {
        tenants["sock-shop"].decommission = true;
      });
      return planOf({ stack: "prod", config: DIRECT, tenantsDir: dir });
    };

    it("a decommissioned tenant keeps only its namespace, no longer retained on delete nor protected, so it goes", async () => {
      const p = await plan();
      for (const cluster of clustersOf("prod")) {
        const tenant = registration(p, T.tenant, `sock-shop.${cluster}`);
        assert.deepEqual(childrenOf(p, tenant).map((r) => `${r.type}::${r.name}`), [`${T.namespace}::sock-shop.${cluster}-ns`]);
        const namespace = namespaceOf(p, "sock-shop", cluster);
        assert.equal(namespace.retainOnDelete, undefined);
        assert.equal(namespace.protect, undefined);
        const annotations = (namespace.inputs.metadata as { annotations: Record<string, string> }).annotations;
        assert.equal(annotations["kustomize.toolkit.fluxcd.io/prune"], undefined, "Flux may prune it too");
        assert.equal(p.outputs.tenants[`sock-shop@${cluster}`].decommissioned, true);
      }
    });

    it("a decommissioned tenant has no deploy key, webhook or objects on any cluster", async () => {
      const p = await plan();
      for (const cluster of clustersOf("prod")) {
        const name = `sock-shop.${cluster}`;
        for (const role of ["read", "write"]) {
          assert.ok(!hasRegistration(p, T.privateKey, `sock-shop-${role}-key`), "no key");
          assert.ok(!hasRegistration(p, T.deployKey, `sock-shop-${role}-deploy-key`), "no deploy key on GitHub");
        }
        assert.ok(!hasRegistration(p, T.webhook, `${name}-webhook`), "no webhook");
        assert.ok(!hasRegistration(p, T.configGroup, `${name}-objects`), "no objects");
        assert.equal(p.outputs.tenants[`sock-shop@${cluster}`].deployKeyFingerprint, undefined);
      }
      assert.ok(!registrationsOf(p, T.deployKey).some((k) => k.name.startsWith("sock-shop-")));
    });

    it("the other tenants are untouched: their namespaces stay retained and protected", async () => {
      const p = await plan();
      for (const cluster of clustersOf("prod")) {
        const namespace = namespaceOf(p, "app-a", cluster);
        assert.equal(namespace.retainOnDelete, true);
        assert.equal(namespace.protect, true);
        assert.ok(hasRegistration(p, T.deployKey, "app-a-read-deploy-key"));
        assert.ok(hasRegistration(p, T.webhook, `app-a.${cluster}-webhook`), "the same names, present for a live tenant: the absence checks above can fail");
        assert.ok(hasRegistration(p, T.configGroup, `app-a.${cluster}-objects`));
      }
    });

    it("a decommissioned tenant's image automation no longer keeps the image controllers running", async () => {
      const p = await plan();
      for (const cluster of clustersOf("prod")) {
        const components = (registration(p, T.fluxInstance, `${cluster}-flux-instance`).inputs.spec as { components: string[] }).components;
        assert.ok(!components.includes("image-reflector-controller") && !components.includes("image-automation-controller"), components.join(", "));
      }
    });
  });
});
