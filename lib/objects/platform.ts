import { GITHUB, repositoryUrl, type GitHost } from "../git-host";
import type { StackConfig } from "../stack-schema";
import { INTERVAL_BOUNDS } from "../rules";
import type { ClusterContext } from "./context";
import { TENANT_FLUX_RESOURCES } from "./tenant";
import { API, FLUX_NAMESPACE, INGRESS_HOSTS_ANNOTATION, MANAGED_BY, MANAGED_BY_LABEL, platformMeta, TENANT_LABEL, type K8sObject } from "./meta";

/** The service account Flux itself applies platform objects as, named because multitenancy changes the default. */
export const PLATFORM_APPLIER = "kustomize-controller";

/**
 * The caller test every tenant policy shares: a service account of the namespace written to (the
 * tenant's reconciler, Helm acting as it, the team's own workloads). The platform admin, Flux's
 * controllers and the Sealed Secrets controller are not matched. It reads only `request`: the API
 * server does not provide `namespaceObject` to match conditions.
 */
const TENANT_CALLER = {
  name: "is-service-account-of-the-namespace",
  expression: "request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')",
};

/** SealedSecret template types a tenant may ask the controller to create. */
export const TENANT_SECRET_TYPES = ["Opaque", "kubernetes.io/tls", "kubernetes.io/dockerconfigjson", "kubernetes.io/basic-auth", "kubernetes.io/ssh-auth"];

interface PolicySpec {
  name: string;
  rules: { apiGroups: string[]; resources: string[]; operations: string[] }[];
  variables?: { name: string; expression: string }[];
  validations: { expression: string; message: string }[];
}

/** A ValidatingAdmissionPolicy on tenant namespaces for tenant callers, and its binding. */
function tenantPolicy(p: PolicySpec): K8sObject[] {
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: platformMeta(p.name),
      spec: {
        failurePolicy: "Fail",
        matchConstraints: { resourceRules: p.rules.map((r) => ({ ...r, apiVersions: ["*"] })) },
        matchConditions: [TENANT_CALLER],
        ...(p.variables ? { variables: p.variables } : {}),
        validations: p.validations.map((v) => ({ ...v, reason: "Forbidden" })),
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: platformMeta(p.name),
      spec: {
        policyName: p.name,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] } },
      },
    },
  ];
}

/** CEL: host `h` is one of `variables.allowed`, or under one of its `*.` entries. */
const ALLOWED_HOST = (h: string) => `variables.allowed.exists(a, a == ${h} || (a.startsWith('*.') && ${h}.endsWith(a.substring(1))))`;

/** CEL: the value of annotation `key` of the object written, or '' when it has none. */
const annotation = (key: string) => `(has(object.metadata.annotations) && '${key}' in object.metadata.annotations ? object.metadata.annotations['${key}'] : '')`;

const CLUSTER_WIDE_ANNOTATION = "sealedsecrets.bitnami.com/cluster-wide";
/** Host names ExternalDNS publishes for an Ingress beside its rules. */
const EXTERNAL_DNS_HOST_ANNOTATIONS = ["external-dns.alpha.kubernetes.io/hostname", "external-dns.alpha.kubernetes.io/internal-hostname"];
const NGINX_ALIAS_ANNOTATION = "nginx.ingress.kubernetes.io/server-alias";
/** Ingresses of one group share one AWS load balancer, and any of them can change its listeners. */
const ALB_GROUP_ANNOTATION = "alb.ingress.kubernetes.io/group.name";

const platformOwned = (o: string) => `${o} != null && has(${o}.metadata.labels) && '${MANAGED_BY_LABEL}' in ${o}.metadata.labels && ${o}.metadata.labels['${MANAGED_BY_LABEL}'] == '${MANAGED_BY}'`;

/**
 * Admission policies for tenant namespaces, evaluated by the API server itself (CEL, no extra
 * controller). RBAC cannot tell Secret types, Service types or labels apart, so:
 * - `tenant-reconciler-secrets`: Helm keeps release state in Secrets; tenants may write only
 *   `helm.sh/release.v1` Secrets, other secrets arrive as SealedSecrets;
 * - `tenant-sealed-secret-types`: a SealedSecret may not make the controller create a
 *   service-account token (or any other privileged type);
 * - `tenant-services`: no `externalIPs` and no ExternalName Services (traffic hijacking); load
 *   balancers and node ports are limited by the quota;
 * - `tenant-ingress-hosts`: an Ingress serves only hosts the tenant file declares (listed on the
 *   namespace, which the tenant cannot edit), and never as the default backend of every host;
 * - `tenant-flux-intervals`: the tenant file's minimum interval for the Flux objects a team commits;
 * - `tenant-platform-objects`: what the platform put in the namespace (its GitRepository,
 *   Kustomization, Receiver, deploy-key SealedSecret, …) cannot be changed, deleted or imitated.
 */
export function tenantPolicies(): K8sObject[] {
  return [
    ...tenantPolicy({
      name: "tenant-reconciler-secrets",
      rules: [{ apiGroups: [""], resources: ["secrets"], operations: ["CREATE", "UPDATE"] }],
      validations: [{ expression: "object.type == 'helm.sh/release.v1'", message: "tenant reconcilers may only write Helm release Secrets; deliver other secrets as SealedSecrets" }],
    }),
    ...tenantPolicy({
      name: "tenant-sealed-secret-types",
      rules: [{ apiGroups: ["bitnami.com"], resources: ["sealedsecrets"], operations: ["CREATE", "UPDATE"] }],
      validations: [
        {
          expression: `!has(object.spec.template) || !has(object.spec.template.type) || object.spec.template.type in ${JSON.stringify(TENANT_SECRET_TYPES).replace(/"/g, "'")}`,
          message: `a tenant SealedSecret may only make Secrets of type ${TENANT_SECRET_TYPES.join(", ")}`,
        },
        {
          // The controller opens a cluster-wide ciphertext in any namespace: another team holding a
          // copy (a shared repository) could open it in its own.
          expression: `${annotation(CLUSTER_WIDE_ANNOTATION)} != 'true'`,
          message: `a tenant SealedSecret may not be ${CLUSTER_WIDE_ANNOTATION}: it would open in any namespace; seal it for your namespace (kubeseal --scope strict or namespace-wide)`,
        },
      ],
    }),
    ...tenantPolicy({
      name: "tenant-services",
      rules: [{ apiGroups: [""], resources: ["services"], operations: ["CREATE", "UPDATE"] }],
      validations: [
        { expression: "!has(object.spec.externalIPs) || size(object.spec.externalIPs) == 0", message: "tenant Services may not set externalIPs" },
        { expression: "!has(object.spec.type) || object.spec.type != 'ExternalName'", message: "tenant Services may not be of type ExternalName" },
      ],
    }),
    ...tenantPolicy({
      name: "tenant-ingress-hosts",
      rules: [{ apiGroups: ["networking.k8s.io"], resources: ["ingresses"], operations: ["CREATE", "UPDATE"] }],
      variables: [
        {
          name: "allowed",
          expression: `has(namespaceObject.metadata.annotations) && '${INGRESS_HOSTS_ANNOTATION}' in namespaceObject.metadata.annotations && namespaceObject.metadata.annotations['${INGRESS_HOSTS_ANNOTATION}'] != '' ? namespaceObject.metadata.annotations['${INGRESS_HOSTS_ANNOTATION}'].split(',') : []`,
        },
      ],
      validations: [
        { expression: "!has(object.spec.defaultBackend)", message: "tenant Ingresses may not set spec.defaultBackend (it would receive every host's unmatched traffic); route a host of yours" },
        {
          expression: `!has(object.spec.rules) || object.spec.rules.all(r, has(r.host) && ${ALLOWED_HOST("r.host")})`,
          message: "every Ingress rule needs a host the tenant file declares under hosts: (see the namespace's eks-gitops.io/ingress-hosts); add it there, under a domain the stage allows",
        },
        {
          expression: `!has(object.spec.tls) || object.spec.tls.all(t, !has(t.hosts) || t.hosts.all(h, ${ALLOWED_HOST("h")}))`,
          message: "every Ingress TLS host must be one the tenant file declares under hosts:",
        },
        // Annotations that add host names or share a load balancer reach past spec.rules.
        ...EXTERNAL_DNS_HOST_ANNOTATIONS.map((a) => ({
          expression: `${annotation(a)} == '' || ${annotation(a)}.split(',').all(h, ${ALLOWED_HOST("h.trim()")})`,
          message: `every host in the ${a} annotation must be one the tenant file declares under hosts: (ExternalDNS publishes it)`,
        })),
        {
          expression: `${annotation(NGINX_ALIAS_ANNOTATION)} == ''`,
          message: `tenant Ingresses may not set ${NGINX_ALIAS_ANNOTATION}; add each host as a rule of its own`,
        },
        {
          expression: `${annotation(ALB_GROUP_ANNOTATION)} == '' || ${annotation(ALB_GROUP_ANNOTATION)} == request.namespace || ${annotation(ALB_GROUP_ANNOTATION)}.startsWith(request.namespace + '.')`,
          message: `a tenant Ingress may join only its own load balancer group: ${ALB_GROUP_ANNOTATION} must be the namespace or start with "<namespace>."`,
        },
      ],
    }),
    ...tenantPolicy({
      name: "tenant-flux-intervals",
      rules: [{ apiGroups: Object.keys(TENANT_FLUX_RESOURCES), resources: Object.values(TENANT_FLUX_RESOURCES).flat(), operations: ["CREATE", "UPDATE"] }],
      validations: [{
        // The tenant file's floor holds for the Flux objects a team commits too: a tighter loop hammers the Git host and the API server.
        expression: `!has(object.spec) || !has(object.spec.interval) || duration(object.spec.interval) >= duration('${INTERVAL_BOUNDS.minSeconds}s')`,
        message: `a tenant's Flux objects reconcile at most every ${INTERVAL_BOUNDS.minSeconds}s; set spec.interval to ${INTERVAL_BOUNDS.minSeconds}s or more`,
      }],
    }),
    ...tenantPolicy({
      name: "tenant-platform-objects",
      rules: [
        { apiGroups: ["source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io", "image.toolkit.fluxcd.io", "notification.toolkit.fluxcd.io", "bitnami.com"], resources: ["*"], operations: ["CREATE", "UPDATE", "DELETE"] },
        { apiGroups: [""], resources: ["secrets", "configmaps", "serviceaccounts", "resourcequotas", "limitranges"], operations: ["CREATE", "UPDATE", "DELETE"] },
      ],
      validations: [{
        expression: `!(${platformOwned("oldObject")}) && !(${platformOwned("object")})`,
        message: `objects labelled ${MANAGED_BY_LABEL}=${MANAGED_BY} belong to the platform; change them in your tenant file`,
      }],
    }),
  ];
}

/**
 * Exposes notification-controller's webhook receiver over https, as the stack declares: a TLS
 * Secret on the ingress controller, or an ACM certificate (given, or the program's) on an AWS
 * load balancer.
 */
export function receiverIngress(ctx: ClusterContext): K8sObject[] {
  const r = ctx.receiver;
  if (!r) return [];
  const onAlb = !("secretName" in r.tls);
  const annotations = onAlb
    ? {
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTPS":443}]',
        // Managed: the load balancer controller finds the program's ACM certificate by host.
        ...("certificateArn" in r.tls ? { "alb.ingress.kubernetes.io/certificate-arn": r.tls.certificateArn } : {}),
      }
    : undefined;
  const meta = platformMeta("flux-webhook-receiver", FLUX_NAMESPACE);
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: annotations ? { ...meta, annotations } : meta,
      spec: {
        ingressClassName: r.ingressClassName,
        ...("secretName" in r.tls ? { tls: [{ hosts: [r.host], secretName: r.tls.secretName }] } : "managed" in r.tls ? { tls: [{ hosts: [r.host] }] } : {}),
        rules: [
          {
            host: r.host,
            http: { paths: [{ path: "/hook/", pathType: "Prefix", backend: { service: { name: "webhook-receiver", port: { number: 80 } } } }] },
          },
        ],
      },
    },
  ];
}

/** Cluster-wide objects the platform delivers beside the tenants (`infrastructure/<cluster>`): policies and the receiver's Ingress. */
export function platformObjects(ctx: ClusterContext): K8sObject[] {
  return [...tenantPolicies(), ...receiverIngress(ctx)];
}

export interface FluxInstanceOptions {
  cluster: string;
  flux: StackConfig["flux"];
  fleet: StackConfig["fleet"];
  /** Image controllers run only on the stage's image-automation cluster, where some tenant uses them. */
  imageAutomation: boolean;
  fleetSecretName: string;
  /** Where the fleet repository is. @default GitHub */
  git?: GitHost;
}

/**
 * The Flux installation, as the Flux Operator reconciles it. `multitenant: true` is the lockdown
 * the seeds patched in by hand: no cross-namespace references, and Kustomizations/HelmReleases
 * that name no service account run as `default` in their namespace, which can do nothing; the
 * same holds for the cloud identities Flux objects use.
 */
export function fluxInstance(o: FluxInstanceOptions): K8sObject {
  const components = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"];
  if (o.imageAutomation) components.push("image-reflector-controller", "image-automation-controller");
  return {
    apiVersion: API.fluxInstance,
    kind: "FluxInstance",
    metadata: { ...platformMeta("flux", FLUX_NAMESPACE), annotations: { "fluxcd.controlplane.io/reconcileEvery": "1h" } },
    spec: {
      distribution: { version: o.flux.version, registry: o.flux.registry },
      components,
      cluster: {
        type: "aws",
        multitenant: true,
        tenantDefaultServiceAccount: "default",
        // Cloud identity per object: a tenant's ImageRepository reads ECR as the tenant's own
        // service account (its IAM role), and one naming none gets the namespace's `default`,
        // never the controller's identity.
        objectLevelWorkloadIdentity: true,
        multitenantWorkloadIdentity: true,
        networkPolicy: true,
        domain: "cluster.local",
      },
      sync: {
        kind: "GitRepository",
        url: repositoryUrl(o.git ?? GITHUB, o.fleet.repository),
        ref: `refs/heads/${o.fleet.branch}`,
        path: `clusters/${o.cluster}`,
        pullSecret: o.fleetSecretName,
        interval: o.flux.syncInterval,
      },
    },
  };
}

/**
 * The fleet's entry points for one cluster, all applied by Flux's own (privileged) service
 * account, named explicitly: the platform's policies first (`infrastructure`, health-checked),
 * then the tenants, which start only once the policies are in place. The shared add-ons
 * (`addons`, on EKS clusters) follow the policies too, but tenants do not wait for them: a failing
 * add-on upgrade must not stop every team's deployments, and an Ingress or a claim made before its
 * controller runs is served once it does.
 */
export function fleetEntryPoints(cluster: string, interval: string, addons = false): K8sObject[] {
  const kustomization = (name: string, path: string, dependsOn?: string): K8sObject => ({
    apiVersion: API.kustomize,
    kind: "Kustomization",
    metadata: platformMeta(name, FLUX_NAMESPACE),
    spec: {
      interval,
      retryInterval: "1m",
      timeout: "5m",
      sourceRef: { kind: "GitRepository", name: FLUX_NAMESPACE },
      path,
      prune: true,
      serviceAccountName: PLATFORM_APPLIER,
      wait: name !== "tenants",
      ...(dependsOn ? { dependsOn: [{ name: dependsOn }] } : {}),
    },
  });
  return [
    kustomization("infrastructure", `./infrastructure/${cluster}`),
    ...(addons ? [kustomization("addons", `./infrastructure/${cluster}/addons`, "infrastructure")] : []),
    kustomization("tenants", `./tenants/${cluster}`, "infrastructure"),
  ];
}
