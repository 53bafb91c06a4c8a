import * as assert from "node:assert/strict";
import { FLUX_NAMESPACE, type K8sObject } from "../../lib/objects/meta";
import { admitted, apply, kubectl, refused, yamlOf } from "./kube";
import { liveTenant, type LiveTenant } from "./tenants";

/**
 * What a tenant's reconciler (the identity Flux applies the team's repository as) may do, asked of
 * the real API server by impersonating it: RBAC and the admission policy decide, not this file.
 */
const FORBIDDEN = /Forbidden|forbidden/;
const POLICY_MESSAGE = /tenant-reconciler-secrets.*tenant reconcilers may only write Helm release Secrets; deliver other secrets as SealedSecrets/;

const workload = (namespace: string): K8sObject[] => [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace },
    spec: {
      selector: { matchLabels: { app: "web" } },
      template: {
        metadata: { labels: { app: "web" } },
        spec: { containers: [{ name: "web", image: "ghcr.io/acme/web:1.0.0", resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "64Mi" } } }] },
      },
    },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name: "web", namespace }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web", namespace }, data: { greeting: "hello" } },
  {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "redis", namespace },
    spec: { interval: "10m", chart: { spec: { chart: "redis", sourceRef: { kind: "HelmRepository", name: "bitnami" } } } },
  },
  {
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { name: "app", namespace },
    spec: { interval: "10m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "app" } },
  },
  {
    apiVersion: "bitnami.com/v1alpha1",
    kind: "SealedSecret",
    metadata: { name: "db", namespace },
    spec: { encryptedData: { password: "AgBz" }, template: { metadata: { name: "db", namespace } } },
  },
];

/** Valid content per Secret type, so only admission (not the type's own validation) can refuse it. */
const CONTENT: Record<string, Record<string, string>> = {
  "kubernetes.io/tls": { "tls.crt": "c", "tls.key": "k" },
  "kubernetes.io/dockerconfigjson": { ".dockerconfigjson": '{"auths":{}}' },
  "kubernetes.io/basic-auth": { username: "u", password: "p" },
  "kubernetes.io/ssh-auth": { "ssh-privatekey": "k" },
};
const secret = (namespace: string, name: string, type: string): K8sObject => ({ apiVersion: "v1", kind: "Secret", metadata: { name, namespace }, type, stringData: CONTENT[type] ?? { value: "v" } });

describe("a tenant's reconciler on the real API server", () => {
  let a: LiveTenant;
  let b: LiveTenant;

  before(async () => {
    a = await liveTenant("rec-a");
    b = await liveTenant("rec-b");
  });

  it("a reconciler can create, update and delete Deployments, Services, ConfigMaps, HelmReleases, Kustomizations and SealedSecrets in its namespace", () => {
    const objects = workload(a.namespace);
    admitted(apply(objects, { as: a.reconciler, manager: "reconciler" }), "create");
    const changed = objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { revision: "2" } } }));
    admitted(apply(changed, { as: a.reconciler, manager: "reconciler" }), "update");
    for (const o of objects) {
      const got = kubectl(["get", o.kind.toLowerCase(), o.metadata.name, "-n", a.namespace, "-o", "jsonpath={.metadata.labels.revision}"]);
      assert.equal(got.out, "2", `${o.kind} was updated`);
    }
    admitted(kubectl(["delete", "-f", "-", "--wait=false"], { as: a.reconciler, input: yamlOf(objects) }), "delete");
  });

  it("a reconciler can write helm.sh/release.v1 Secrets in its namespace", () => {
    const release = secret(a.namespace, "sh.helm.release.v1.redis.v1", "helm.sh/release.v1");
    admitted(apply([release], { as: a.reconciler }), "create a Helm release Secret");
    admitted(apply([{ ...release, stringData: { value: "v2" } }], { as: a.reconciler }), "update a Helm release Secret");
  });

  it("a reconciler cannot write a Secret of any other type, and the policy's message says why", () => {
    for (const type of ["Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth"]) {
      refused(kubectl(["create", "-f", "-"], { as: a.reconciler, input: yamlOf([secret(a.namespace, "not-helm", type)]) }), POLICY_MESSAGE, `${type} Secret`);
    }
    // Nor turn an existing Helm release Secret into something else.
    refused(apply([secret(a.namespace, "sh.helm.release.v1.redis.v1", "Opaque")], { as: a.reconciler }), /Forbidden|immutable/, "changing a Secret's type");
  });

  it("a reconciler cannot create ServiceAccounts, Roles, RoleBindings, NetworkPolicies, quotas or LimitRanges", () => {
    const ns = a.namespace;
    const objects: K8sObject[] = [
      { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "x", namespace: ns } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "x", namespace: ns }, rules: [] },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "RoleBinding", metadata: { name: "x", namespace: ns }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "admin" }, subjects: [{ kind: "ServiceAccount", name: "rec-a-reconciler", namespace: ns }] },
      { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "x", namespace: ns }, spec: { podSelector: {}, ingress: [{}] } },
      { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "x", namespace: ns }, spec: { hard: { pods: "1000" } } },
      { apiVersion: "v1", kind: "LimitRange", metadata: { name: "x", namespace: ns }, spec: { limits: [{ type: "Container", max: { cpu: "64" } }] } },
    ];
    const resources = ["serviceaccounts", "roles", "rolebindings", "networkpolicies", "resourcequotas", "limitranges"];
    objects.forEach((o, i) => refused(apply([o], { as: a.reconciler }), new RegExp(`cannot (patch|get|create) resource "${resources[i]}"`), o.kind));
    // And cannot loosen its own quota.
    refused(kubectl(["delete", "resourcequota", "rec-a-quota", "-n", ns], { as: a.reconciler }), FORBIDDEN, "deleting its quota");
  });

  it("a reconciler cannot create Namespaces or any cluster-scoped object", () => {
    const objects: K8sObject[] = [
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "rec-a-escape" } },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRoleBinding", metadata: { name: "rec-a-admin" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "cluster-admin" }, subjects: [{ kind: "ServiceAccount", name: "rec-a-reconciler", namespace: a.namespace }] },
      { apiVersion: "rbac.authorization.k8s.io/v1", kind: "ClusterRole", metadata: { name: "rec-a" }, rules: [] },
      { apiVersion: "apiextensions.k8s.io/v1", kind: "CustomResourceDefinition", metadata: { name: "things.rec-a.example" }, spec: { group: "rec-a.example", names: { kind: "Thing", plural: "things" }, scope: "Namespaced", versions: [{ name: "v1", served: true, storage: true, schema: { openAPIV3Schema: { type: "object" } } }] } },
      { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingAdmissionPolicyBinding", metadata: { name: "rec-a" }, spec: { policyName: "tenant-reconciler-secrets", validationActions: ["Audit"] } },
    ];
    refused(apply([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "rec-a-escape" } }], { as: a.reconciler }), /cannot (patch|get|create) resource "namespaces"/, "Namespace");
    for (const o of objects.slice(1)) refused(apply([o], { as: a.reconciler }), /cannot (patch|get|create) resource .* at the cluster scope/, o.kind);
    refused(kubectl(["delete", "validatingadmissionpolicy", "tenant-reconciler-secrets"], { as: a.reconciler }), FORBIDDEN, "deleting the admission policy");
  });

  it("a reconciler cannot read or write in another tenant's namespace or in flux-system", () => {
    for (const ns of [b.namespace, FLUX_NAMESPACE]) {
      refused(kubectl(["get", "secrets", "-n", ns], { as: a.reconciler }), /cannot list resource "secrets"/, `listing Secrets in ${ns}`);
      refused(kubectl(["get", "configmaps", "-n", ns], { as: a.reconciler }), /cannot list resource "configmaps"/, `listing ConfigMaps in ${ns}`);
      refused(apply(workload(ns).slice(0, 3), { as: a.reconciler }), FORBIDDEN, `writing in ${ns}`);
      refused(apply([secret(ns, "sh.helm.release.v1.x.v1", "helm.sh/release.v1")], { as: a.reconciler }), FORBIDDEN, `a Helm release Secret in ${ns}`);
    }
  });
});
