import { TENANT_SECRET_TYPES } from "../../lib/objects/platform";
import type { K8sObject } from "../../lib/objects/meta";
import * as assert from "node:assert/strict";
import { EPHEMERAL_DEFAULTS } from "../../lib/objects/tenant";
import { admitted, apply, kubectl, refused, yamlOf } from "./kube";
import { liveTenant, type LiveTenant } from "./tenants";

/**
 * The isolation policies beyond RBAC, asked of the real API server as a tenant's reconciler:
 * what a SealedSecret may make, which Services a team may expose, and the objects the platform owns.
 */
const service = (namespace: string, name: string, spec: Record<string, unknown>): K8sObject => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace },
  spec: { selector: { app: "web" }, ports: [{ port: 80 }], ...spec },
});

const sealedSecret = (namespace: string, name: string, type: string): K8sObject => ({
  apiVersion: "bitnami.com/v1alpha1",
  kind: "SealedSecret",
  metadata: { name, namespace },
  spec: { encryptedData: { token: "AgBz" }, template: { metadata: { name, namespace, annotations: { "kubernetes.io/service-account.name": "pol-a-reconciler" } }, type } },
});

const ingress = (namespace: string, name: string, spec: Record<string, unknown>): K8sObject => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "Ingress",
  metadata: { name, namespace },
  spec: { ingressClassName: "nginx", ...spec },
});
const route = (host?: string) => ({ ...(host ? { host } : {}), http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: "web", port: { number: 80 } } } }] } });

const pod = (namespace: string, name: string, resources: Record<string, unknown> = {}): K8sObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace },
  spec: {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "app", image: "registry.example.com/app:1", resources, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
  },
});

describe("tenant isolation policies on the real API server", () => {
  let t: LiveTenant;

  before(async () => {
    t = await liveTenant("pol-a", { hosts: ["shop.{stage}.acme.example", "*.pol-a.acme.example"], limits: { defaultCpu: "100m", defaultMemory: "64Mi" } });
  });

  it("a tenant Ingress serves only the hosts its tenant file declares, and never as the default backend", () => {
    const create = (name: string, spec: Record<string, unknown>) => kubectl(["create", "-f", "-"], { as: t.reconciler, input: yamlOf([ingress(t.namespace, name, spec)]) });
    admitted(create("own", { rules: [route("shop.dev.acme.example")], tls: [{ hosts: ["shop.dev.acme.example"], secretName: "shop-tls" }] }), "an Ingress for its declared host ({stage} replaced)");
    admitted(create("sub", { rules: [route("api.pol-a.acme.example")] }), "an Ingress for a subdomain of its declared *. host");
    const hostRule = /tenant-ingress-hosts.*every Ingress rule needs a host the tenant file declares/;
    refused(create("other", { rules: [route("shop.prod.acme.example")] }), hostRule, "another stage's host");
    refused(create("hijack", { rules: [route("payments.acme.example")] }), hostRule, "a host it does not declare");
    refused(create("any", { rules: [route()] }), hostRule, "a rule without a host (every host)");
    refused(create("default", { defaultBackend: { service: { name: "web", port: { number: 80 } } } }), /tenant Ingresses may not set spec\.defaultBackend/, "a default backend");
    refused(create("tls", { rules: [route("shop.dev.acme.example")], tls: [{ hosts: ["payments.acme.example"], secretName: "x" }] }), /every Ingress TLS host must be one the tenant file declares/, "a TLS host it does not declare");
  });

  it("a tenant that declares no hosts can create no Ingress with a host", async () => {
    const bare = await liveTenant("pol-nohost");
    refused(kubectl(["create", "-f", "-"], { as: bare.reconciler, input: yamlOf([ingress(bare.namespace, "x", { rules: [route("shop.dev.acme.example")] })]) }), /tenant-ingress-hosts/, "an Ingress of a tenant without hosts");
  });

  it("a pod that names no ephemeral storage gets the LimitRange defaults; one asking more than the quota is refused", () => {
    const created = admitted(kubectl(["create", "-o", "json", "-f", "-"], { as: t.reconciler, input: yamlOf([pod(t.namespace, "plain")]) }), "a pod without ephemeral-storage");
    const resources = JSON.parse(created).spec.containers[0].resources;
    assert.equal(resources.requests["ephemeral-storage"], EPHEMERAL_DEFAULTS.request);
    assert.equal(resources.limits["ephemeral-storage"], EPHEMERAL_DEFAULTS.limit);
    const greedy = { requests: { "ephemeral-storage": "20Gi" }, limits: { "ephemeral-storage": "20Gi" } };
    refused(kubectl(["create", "-f", "-"], { as: t.reconciler, input: yamlOf([pod(t.namespace, "greedy", greedy)]) }), /exceeded quota: pol-a-quota, requested: .*ephemeral-storage=20Gi/, "a pod asking 20Gi of the 10Gi quota");
  });

  it("a tenant SealedSecret cannot make the controller create a service-account token", () => {
    const create = (type: string) => kubectl(["create", "-f", "-"], { as: t.reconciler, input: yamlOf([sealedSecret(t.namespace, `s-${type.replace(/[^a-z]/g, "")}`, type)]) });
    refused(create("kubernetes.io/service-account-token"), /tenant-sealed-secret-types.*a tenant SealedSecret may only make Secrets of type Opaque/, "a service-account-token SealedSecret");
    for (const type of TENANT_SECRET_TYPES) admitted(create(type), `a ${type} SealedSecret`);
  });

  it("a tenant SealedSecret cannot be sealed cluster-wide, so no other namespace can open a copy of it", () => {
    const scoped = (name: string, scope: string): K8sObject => {
      const o = sealedSecret(t.namespace, name, "Opaque");
      return { ...o, metadata: { ...o.metadata, annotations: { [`sealedsecrets.bitnami.com/${scope}`]: "true" } } };
    };
    refused(apply([scoped("wide", "cluster-wide")], { as: t.reconciler }), /tenant-sealed-secret-types.*may not be sealedsecrets\.bitnami\.com\/cluster-wide/, "a cluster-wide SealedSecret");
    admitted(apply([scoped("ns-wide", "namespace-wide")], { as: t.reconciler }), "a namespace-wide SealedSecret (it opens only in this namespace)");
  });

  it("an Ingress annotation cannot add a host, join another team's load balancer or alias a server", () => {
    const annotated = (name: string, annotations: Record<string, string>) =>
      apply([{ ...ingress(t.namespace, name, { rules: [route("shop.dev.acme.example")] }), metadata: { name, namespace: t.namespace, annotations } }], { as: t.reconciler });
    refused(annotated("dns", { "external-dns.alpha.kubernetes.io/hostname": "shop.dev.acme.example,payments.acme.example" }), /every host in the external-dns\.alpha\.kubernetes\.io\/hostname annotation must be one the tenant file declares/, "an ExternalDNS host it does not declare");
    admitted(annotated("dns-own", { "external-dns.alpha.kubernetes.io/hostname": "shop.dev.acme.example, api.pol-a.acme.example" }), "ExternalDNS hosts it declares");
    refused(annotated("alias", { "nginx.ingress.kubernetes.io/server-alias": "payments.acme.example" }), /may not set nginx\.ingress\.kubernetes\.io\/server-alias/, "a server alias");
    refused(annotated("group", { "alb.ingress.kubernetes.io/group.name": "pol-b" }), /may join only its own load balancer group/, "another namespace's load balancer group");
    admitted(annotated("group-own", { "alb.ingress.kubernetes.io/group.name": `${t.namespace}.web` }), "its own load balancer group");
  });

  it("a Flux object a team commits reconciles no more often than the tenant file allows", () => {
    const repo = (name: string, interval: string): K8sObject => ({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name, namespace: t.namespace },
      spec: { interval, url: "https://github.com/acme/charts", ref: { branch: "main" } },
    });
    refused(apply([repo("hammer", "1s")], { as: t.reconciler }), /tenant-flux-intervals.*reconcile at most every 10s/, "a 1s interval");
    refused(apply([repo("hammer-ms", "500ms")], { as: t.reconciler }), /tenant-flux-intervals/, "a 500ms interval");
    admitted(apply([repo("calm", "1m30s")], { as: t.reconciler }), "a 1m30s interval");
  });

  it("a reconciler cannot write the status of any Flux object, so it cannot fake the artifact the platform's Kustomization applies", () => {
    const patch = (kind: string, name: string) => kubectl(["patch", kind, name, "-n", t.namespace, "--subresource=status", "--type=merge", "-p", '{"status":{"observedGeneration":99}}'], { as: t.reconciler });
    refused(patch("gitrepository", "pol-a"), /forbidden.*cannot (get|patch) resource "gitrepositories\/status"/, "patching its GitRepository's status");
    refused(patch("kustomization", "pol-a"), /forbidden.*cannot (get|patch) resource "kustomizations\/status"/, "patching its Kustomization's status");
  });

  it("a Service admitted as ClusterIP cannot later be updated to take externalIPs", () => {
    admitted(apply([service(t.namespace, "later", {})], { as: t.reconciler }), "a ClusterIP Service");
    refused(kubectl(["patch", "service", "later", "-n", t.namespace, "--type=merge", "-p", '{"spec":{"externalIPs":["10.0.0.10"]}}'], { as: t.reconciler }), /tenant Services may not set externalIPs/, "an update adding externalIPs");
  });

  it("a tenant Service cannot set externalIPs or be of type ExternalName", () => {
    refused(apply([service(t.namespace, "hijack", { externalIPs: ["10.0.0.10"] })], { as: t.reconciler }), /tenant Services may not set externalIPs/, "externalIPs");
    refused(apply([{ ...service(t.namespace, "alias", {}), spec: { type: "ExternalName", externalName: "db.other-team.svc.cluster.local" } }], { as: t.reconciler }), /tenant Services may not be of type ExternalName/, "ExternalName");
    admitted(apply([service(t.namespace, "web", {})], { as: t.reconciler }), "a ClusterIP Service");
  });

  it("a LoadBalancer or NodePort Service is refused by the quota unless the tenant file asks for one", () => {
    refused(kubectl(["create", "-f", "-"], { as: t.reconciler, input: yamlOf([service(t.namespace, "lb", { type: "LoadBalancer" })]) }), /exceeded quota: pol-a-quota, requested: services\.loadbalancers=1.*limited: services\.loadbalancers=0/, "a LoadBalancer");
    refused(kubectl(["create", "-f", "-"], { as: t.reconciler, input: yamlOf([service(t.namespace, "np", { type: "NodePort" })]) }), /exceeded quota: pol-a-quota, requested: services\.nodeports=1/, "a NodePort");
  });

  it("a reconciler cannot change, delete or imitate the objects the platform put in its namespace", () => {
    const message = /tenant-platform-objects.*belong to the platform; change them in your tenant file/;
    refused(kubectl(["patch", "gitrepository", "pol-a", "-n", t.namespace, "--type=merge", "-p", '{"spec":{"url":"ssh://git@github.com/acme/other.git"}}'], { as: t.reconciler }), message, "changing its GitRepository");
    refused(kubectl(["patch", "kustomization", "pol-a", "-n", t.namespace, "--type=merge", "-p", '{"spec":{"serviceAccountName":"default","targetNamespace":"flux-system"}}'], { as: t.reconciler }), message, "changing its Kustomization");
    refused(kubectl(["delete", "kustomization", "pol-a", "-n", t.namespace], { as: t.reconciler }), message, "deleting its Kustomization");
    refused(kubectl(["delete", "sealedsecret", "pol-a-deploy-key", "-n", t.namespace], { as: t.reconciler }), message, "deleting its deploy-key SealedSecret");
    refused(kubectl(["patch", "receiver", "pol-a", "-n", t.namespace, "--type=merge", "-p", '{"spec":{"resources":[{"kind":"GitRepository","name":"*"}]}}'], { as: t.reconciler }), message, "changing its Receiver");
    refused(kubectl(["delete", "receiver", "pol-a", "-n", t.namespace], { as: t.reconciler }), message, "deleting its Receiver");
    const imitation: K8sObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fake", namespace: t.namespace, labels: { "app.kubernetes.io/managed-by": "eks-gitops-platform" } }, data: {} };
    refused(apply([imitation], { as: t.reconciler }), message, "creating an object labelled as the platform's");
  });
});
