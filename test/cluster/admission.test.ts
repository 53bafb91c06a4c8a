import * as assert from "node:assert/strict";
import type { K8sObject } from "../../lib/objects/meta";
import { EPHEMERAL_DEFAULTS } from "../../lib/objects/tenant";
import { admitted, apply, getObject, kubectl, refused, serviceAccount, yamlOf } from "./kube";
import { sealedSecretsRbac, SEALED_SECRETS_NAMESPACE, SEALED_SECRETS_SA } from "./sealed-secrets-chart";
import { liveTenant, type LiveTenant } from "./tenants";

/** The cluster's own admission (policy, LimitRange, ResourceQuota, Pod Security) on tenant namespaces. */
const pod = (namespace: string, name: string, container: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace },
  spec: { containers: [{ name: "app", image: "ghcr.io/acme/app:1.0.0", ...container }] },
});

const opaque = (namespace: string, name: string): K8sObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type: "Opaque", stringData: { password: "p" } });

describe("admission in a tenant namespace on the real API server", () => {
  let t: LiveTenant;

  before(async () => {
    t = await liveTenant("adm-a", { quota: { cpu: "1", memory: "1Gi", pods: 5 }, limits: { defaultCpu: "100m", defaultMemory: "128Mi" } });
    admitted(apply(sealedSecretsRbac()), "the Sealed Secrets controller's RBAC");
  });

  it("the platform admin can write Secrets of any type in a tenant namespace", () => {
    admitted(apply([opaque(t.namespace, "by-admin")]), "an Opaque Secret written by the admin");
    admitted(apply([{ ...opaque(t.namespace, "by-admin"), stringData: { password: "q" } }]), "its update");
  });

  it("the Sealed Secrets controller's service account can write Secrets in tenant namespaces", () => {
    const as = serviceAccount(SEALED_SECRETS_NAMESPACE, SEALED_SECRETS_SA);
    admitted(kubectl(["create", "-f", "-"], { as, input: yamlOf([opaque(t.namespace, "by-controller")]) }), "an Opaque Secret written by the controller");
    admitted(kubectl(["replace", "-f", "-"], { as, input: yamlOf([{ ...opaque(t.namespace, "by-controller"), stringData: { password: "q" } }]) }), "its update");
  });

  it("a pod without resources gets the LimitRange defaults", () => {
    admitted(kubectl(["create", "-f", "-"], { input: yamlOf([pod(t.namespace, "defaults")]) }), "a pod without resources");
    const got = getObject<{ spec: { containers: { resources: unknown }[] } }>("pod", "defaults", t.namespace);
    assert.deepEqual(got?.spec.containers[0].resources, {
      limits: { cpu: "100m", memory: "128Mi", "ephemeral-storage": EPHEMERAL_DEFAULTS.limit },
      requests: { cpu: "100m", memory: "128Mi", "ephemeral-storage": EPHEMERAL_DEFAULTS.request },
    });
  });

  it("a pod beyond the quota is refused with the quota's message", () => {
    const big = pod(t.namespace, "too-big", { resources: { requests: { cpu: "2", memory: "64Mi" }, limits: { cpu: "2", memory: "64Mi" } } });
    refused(kubectl(["create", "-f", "-"], { input: yamlOf([big]) }), /exceeded quota: adm-a-quota, requested: requests\.cpu=2, used: requests\.cpu=100m, limited: requests\.cpu=1/, "a pod beyond the quota");
  });

  it("a privileged pod is refused in a baseline namespace", () => {
    const privileged = pod(t.namespace, "privileged", { securityContext: { privileged: true } });
    refused(kubectl(["create", "-f", "-"], { input: yamlOf([privileged]) }), /violates PodSecurity "baseline:latest": privileged \(container "app" must not set securityContext\.privileged=true\)/, "a privileged pod");
    const hostPath = { ...pod(t.namespace, "host-path"), spec: { ...(pod(t.namespace, "host-path").spec as object), volumes: [{ name: "root", hostPath: { path: "/" } }] } };
    refused(kubectl(["create", "-f", "-"], { input: yamlOf([hostPath]) }), /violates PodSecurity "baseline:latest": hostPath volumes/, "a hostPath pod");
  });
});
