/**
 * Plain Kubernetes object shapes and the metadata every builder shares. Builders return these
 * objects; components only register or commit them.
 */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** The label Flux's multi-tenancy model uses to mark what belongs to a tenant. */
export const TENANT_LABEL = "toolkit.fluxcd.io/tenant";
/** Marks objects the platform program owns (as opposed to what teams deploy). */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY = "eks-gitops-platform";

export const FLUX_NAMESPACE = "flux-system";

/** Namespaces Kubernetes and Flux own: no tenant, and no platform controller, gets one of them. */
export const SYSTEM_NAMESPACES = ["kube-system", "kube-public", "kube-node-lease", "default", FLUX_NAMESPACE];

/** Namespace annotation listing the hosts (comma-separated, `*.x` for subdomains) the tenant's Ingresses may serve. */
export const INGRESS_HOSTS_ANNOTATION = "eks-gitops.io/ingress-hosts";

/** API versions Flux 2.9 and Sealed Secrets serve; older ones from blog posts no longer exist. */
export const API = {
  source: "source.toolkit.fluxcd.io/v1",
  kustomize: "kustomize.toolkit.fluxcd.io/v1",
  helm: "helm.toolkit.fluxcd.io/v2",
  image: "image.toolkit.fluxcd.io/v1",
  notification: "notification.toolkit.fluxcd.io/v1beta3",
  receiver: "notification.toolkit.fluxcd.io/v1",
  sealedSecret: "bitnami.com/v1alpha1",
  fluxInstance: "fluxcd.controlplane.io/v1",
} as const;

/** Labels every object of a tenant carries; the one place they are decided. */
export function tenantLabels(tenant: string, extra: Record<string, string> = {}): Record<string, string> {
  return { [TENANT_LABEL]: tenant, [MANAGED_BY_LABEL]: MANAGED_BY, ...extra };
}

/** Metadata of an object in a tenant's namespace. */
export function tenantMeta(tenant: { name: string; namespace: string }, name: string, annotations?: Record<string, string>): ObjectMeta {
  return { name, namespace: tenant.namespace, labels: tenantLabels(tenant.name), ...(annotations && Object.keys(annotations).length ? { annotations } : {}) };
}

export function platformMeta(name: string, namespace?: string): ObjectMeta {
  return { name, ...(namespace ? { namespace } : {}), labels: { [MANAGED_BY_LABEL]: MANAGED_BY } };
}

/** Names derived from the tenant, so every builder and the components agree on them. */
export const names = {
  reconciler: (tenant: string) => `${tenant}-reconciler`,
  deployKeySecret: (tenant: string) => `${tenant}-deploy-key`,
  webhookSecret: (tenant: string) => `${tenant}-webhook-token`,
  slackSecret: (tenant: string) => `${tenant}-slack-webhook`,
  githubStatusSecret: (tenant: string) => `${tenant}-github-status`,
  imageReader: (tenant: string) => `${tenant}-image-reader`,
};

