import type { StageTenant } from "../resolve";
import type { ClusterContext, ResolvedValues } from "./context";
import { GITHUB, repositoryUrl } from "../git-host";
import { API, INGRESS_HOSTS_ANNOTATION, names, tenantLabels, tenantMeta, type K8sObject } from "./meta";
import { imageAutomationObjects } from "./image";
import { notificationObjects, receiverObjects } from "./notifications";
import { sealedSecret } from "./sealed-secret";

/**
 * Every Kubernetes object of one tenant on one cluster, in apply order (namespace first). All of
 * them live in the tenant's namespace and none refers to another namespace, which is what Flux's
 * `--no-cross-namespace-refs` lockdown requires.
 */
export function tenantObjects(t: StageTenant, ctx: ClusterContext, values: ResolvedValues): K8sObject[] {
  return [
    namespace(t),
    ...resourceLimits(t),
    ...reconcilerRbac(t),
    ...networkPolicies(t, ctx),
    sealedSecret(t, names.deployKeySecret(t.name), values.sealed),
    ...gitSync(t, ctx),
    ...helmRepositories(t),
    ...imageAutomationObjects(t, ctx, values),
    ...notificationObjects(t, ctx, values),
    ...receiverObjects(t, ctx, values),
  ];
}

/** Owners become labels (selectable) and one annotation (readable). */
export function namespace(t: StageTenant): K8sObject {
  const ownerLabels = Object.fromEntries(t.owners.map((o) => [`owner.eks-gitops.io/${o}`, "true"]));
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: t.namespace,
      labels: tenantLabels(t.name, {
        ...ownerLabels,
        "pod-security.kubernetes.io/enforce": t.podSecurity.enforce,
        "pod-security.kubernetes.io/warn": t.podSecurity.warn,
        "pod-security.kubernetes.io/audit": t.podSecurity.audit,
      }),
      annotations: {
        "eks-gitops.io/owners": t.owners.join(","),
        // What the tenant-ingress-hosts policy allows; the reconciler cannot edit namespaces.
        [INGRESS_HOSTS_ANNOTATION]: t.hosts.join(","),
        // A namespace leaves only through `decommission: true`; until then Flux must never prune it,
        // even if its file vanishes from the fleet repository.
        ...(t.decommission ? {} : { "kustomize.toolkit.fluxcd.io/prune": "disabled" }),
      },
    },
  };
}

/**
 * Node-local scratch space a container gets when it asks for none: the quota counts ephemeral
 * storage, so every container needs a request and a limit, and these keep manifests that set none
 * working.
 */
export const EPHEMERAL_DEFAULTS = { request: "256Mi", limit: "1Gi" };

export function resourceLimits(t: StageTenant): K8sObject[] {
  const quota: K8sObject = {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: tenantMeta(t, `${t.name}-quota`),
    spec: {
      hard: {
        "requests.cpu": t.quota.cpu,
        "requests.memory": t.quota.memory,
        "limits.memory": t.quota.memory,
        "requests.ephemeral-storage": t.quota.ephemeralStorage,
        "limits.ephemeral-storage": t.quota.ephemeralStorage,
        pods: String(t.quota.pods),
        "requests.storage": t.quota.storage,
        persistentvolumeclaims: String(t.quota.persistentVolumeClaims),
        "services.loadbalancers": String(t.quota.loadBalancers),
        "services.nodeports": String(t.quota.nodePorts),
      },
    },
  };
  const l = t.limits;
  const limitRange: K8sObject = {
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: tenantMeta(t, `${t.name}-limits`),
    spec: {
      limits: [
        {
          type: "Container",
          default: { ...(l ? { cpu: l.defaultCpu, memory: l.defaultMemory } : {}), "ephemeral-storage": EPHEMERAL_DEFAULTS.limit },
          defaultRequest: {
            ...(l ? { cpu: l.defaultRequestCpu ?? l.defaultCpu, memory: l.defaultRequestMemory ?? l.defaultMemory } : {}),
            "ephemeral-storage": EPHEMERAL_DEFAULTS.request,
          },
        },
      ],
    },
  };
  return [quota, limitRange];
}

const ALL_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete"];

/** Every Flux kind of the groups a tenant uses (Flux 2.9), by API group: what its reconciler manages. */
export const TENANT_FLUX_RESOURCES: Record<string, string[]> = {
  "source.toolkit.fluxcd.io": ["gitrepositories", "ocirepositories", "helmrepositories", "helmcharts", "buckets", "externalartifacts"],
  "kustomize.toolkit.fluxcd.io": ["kustomizations"],
  "helm.toolkit.fluxcd.io": ["helmreleases"],
  "image.toolkit.fluxcd.io": ["imagerepositories", "imagepolicies", "imageupdateautomations"],
  "notification.toolkit.fluxcd.io": ["alerts", "providers", "receivers"],
};
const READ_VERBS = ["get", "list", "watch"];

/**
 * What a tenant's reconciler may manage in its own namespace. Deliberately absent: ServiceAccounts
 * (read only), RBAC objects, NetworkPolicies, and everything cluster-scoped (a Role cannot grant
 * those). Secrets are writable because Helm keeps releases in them; the platform's
 * ValidatingAdmissionPolicy limits the reconciler to `helm.sh/release.v1` Secrets.
 */
export const RECONCILER_RULES = [
  { apiGroups: [""], resources: ["pods", "services", "configmaps", "persistentvolumeclaims", "secrets"], verbs: ALL_VERBS },
  { apiGroups: [""], resources: ["serviceaccounts", "events", "endpoints", "pods/log"], verbs: READ_VERBS },
  { apiGroups: ["apps"], resources: ["deployments", "statefulsets", "daemonsets", "replicasets"], verbs: ALL_VERBS },
  { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ALL_VERBS },
  { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: ALL_VERBS },
  { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: ALL_VERBS },
  { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ALL_VERBS },
  { apiGroups: ["bitnami.com"], resources: ["sealedsecrets"], verbs: ALL_VERBS },
  // Flux kinds by name, never "*": in RBAC "*" also grants subresources, and a reconciler that can
  // write `status` can point the platform's GitRepository at an artifact of its choosing.
  ...Object.entries(TENANT_FLUX_RESOURCES).map(([group, resources]) => ({ apiGroups: [group], resources, verbs: ALL_VERBS })),
];

export function reconcilerRbac(t: StageTenant): K8sObject[] {
  const name = names.reconciler(t.name);
  return [
    { apiVersion: "v1", kind: "ServiceAccount", metadata: tenantMeta(t, name), automountServiceAccountToken: false },
    { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: tenantMeta(t, name), rules: RECONCILER_RULES },
    {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: tenantMeta(t, name),
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
      subjects: [{ kind: "ServiceAccount", name, namespace: t.namespace }],
    },
  ];
}

/** Instance metadata (IPv4 and IPv6): node credentials live there, pods must not reach them. */
export const INSTANCE_METADATA = ["169.254.169.254/32", "fd00:ec2::254/128"];

/**
 * Pods accept traffic from their own namespace, the ingress controller and the cluster's load balancers only (Flux talks to
 * the API server, never to tenant pods). They may send to their own namespace, to cluster DNS, and
 * to anywhere outside the cluster except instance metadata; other tenants' pods refuse them with
 * their own ingress policy.
 */
export function networkPolicies(t: StageTenant, ctx: ClusterContext): K8sObject[] {
  const fromNamespace = (ns: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } } });
  const policy = (name: string, spec: Record<string, unknown>): K8sObject => ({ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: tenantMeta(t, name), spec: { podSelector: {}, ...spec } });
  // Without isolation the namespace is open both ways, except that no pod reaches instance metadata.
  const egress = policy("restrict-egress", {
    policyTypes: ["Egress"],
    egress: [
      { to: [{ podSelector: {} }] },
      {
        to: [{ ...fromNamespace("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
        ports: [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }],
      },
      { to: [{ ipBlock: { cidr: "0.0.0.0/0", except: [INSTANCE_METADATA[0]] } }, { ipBlock: { cidr: "::/0", except: [INSTANCE_METADATA[1]] } }] },
    ],
  });
  if (t.network.isolation === "none") return [egress];
  return [
    policy("deny-from-other-namespaces", { policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }] }] }),
    policy("allow-from-ingress", { policyTypes: ["Ingress"], ingress: [{ from: [fromNamespace(ctx.ingressNamespace)] }] }),
    // An AWS load balancer in IP target mode sends from its addresses in the public subnets,
    // where no pod lives (pods are in the private ones), so this admits no other tenant.
    ...(ctx.loadBalancerCidrs?.length ? [policy("allow-from-load-balancers", { policyTypes: ["Ingress"], ingress: [{ from: ctx.loadBalancerCidrs.map((cidr) => ({ ipBlock: { cidr } })) }] })] : []),
    egress,
  ];
}

/** The team's repository as a Flux source, applied as the team's reconciler. */
export function gitSync(t: StageTenant, ctx: ClusterContext): K8sObject[] {
  return [
    {
      apiVersion: API.source,
      kind: "GitRepository",
      metadata: tenantMeta(t, t.name),
      spec: {
        interval: t.source.interval,
        url: repositoryUrl(ctx.git ?? GITHUB, t.source.repository),
        ref: { branch: t.source.branch },
        secretRef: { name: names.deployKeySecret(t.name) },
      },
    },
    {
      apiVersion: API.kustomize,
      kind: "Kustomization",
      metadata: tenantMeta(t, t.name),
      spec: {
        interval: t.source.interval,
        retryInterval: "1m",
        timeout: "5m",
        sourceRef: { kind: "GitRepository", name: t.name },
        path: t.source.path,
        prune: true,
        serviceAccountName: names.reconciler(t.name),
        // No targetNamespace: it would silently rewrite an object meant for another namespace into
        // this one; without it such an object is refused as Forbidden and the team sees why. Teams
        // set their namespace (`namespace:` in their kustomization.yaml, or on each object).
        patches: reconcilerPatches(t),
      },
    },
  ];
}

/**
 * Every Kustomization and HelmRelease the team's repository holds runs as the tenant's reconciler,
 * whatever it says (`add` replaces a value that is there): teams cannot forget it, and cannot
 * name another account. Without it they would run as `default`, which can do nothing.
 */
export function reconcilerPatches(t: StageTenant): { target: { group: string; kind: string }; patch: string }[] {
  const patch = JSON.stringify([{ op: "add", path: "/spec/serviceAccountName", value: names.reconciler(t.name) }]);
  return [
    { target: { group: "kustomize.toolkit.fluxcd.io", kind: "Kustomization" }, patch },
    { target: { group: "helm.toolkit.fluxcd.io", kind: "HelmRelease" }, patch },
  ];
}

export function helmRepositories(t: StageTenant): K8sObject[] {
  return t.helmRepositories.map((r) => ({
    apiVersion: API.source,
    kind: "HelmRepository",
    metadata: tenantMeta(t, r.name),
    spec: { interval: r.interval, url: r.url, ...(r.url.startsWith("oci://") ? { type: "oci" } : {}) },
  }));
}
