import { TENANT_SECRET_TYPES } from "../../lib/objects/platform";
import type { K8sObject } from "../../lib/objects/meta";
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

describe("tenant isolation policies on the real API server", () => {
  let t: LiveTenant;

  before(async () => {
    t = await liveTenant("pol-a");
  });

  it("a tenant SealedSecret cannot make the controller create a service-account token", () => {
    const create = (type: string) => kubectl(["create", "-f", "-"], { as: t.reconciler, input: yamlOf([sealedSecret(t.namespace, `s-${type.replace(/[^a-z]/g, "")}`, type)]) });
    refused(create("kubernetes.io/service-account-token"), /tenant-sealed-secret-types.*a tenant SealedSecret may only make Secrets of type Opaque/, "a service-account-token SealedSecret");
    for (const type of TENANT_SECRET_TYPES) admitted(create(type), `a ${type} SealedSecret`);
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
    const imitation: K8sObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "fake", namespace: t.namespace, labels: { "app.kubernetes.io/managed-by": "eks-gitops-platform" } }, data: {} };
    refused(apply([imitation], { as: t.reconciler }), message, "creating an object labelled as the platform's");
  });
});
