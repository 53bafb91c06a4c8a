import { GITHUB, repositoryUrl, type GitHost } from "../git-host";
import type { StackConfig } from "../stack-schema";
import type { ClusterContext } from "./context";
import { API, FLUX_NAMESPACE, platformMeta, TENANT_LABEL, type K8sObject } from "./meta";

/** The service account Flux itself applies platform objects as, named because multitenancy changes the default. */
export const PLATFORM_APPLIER = "kustomize-controller";

/**
 * Helm keeps release state in Secrets and RBAC cannot tell Secret types apart, so a tenant's
 * reconciler could otherwise write any Secret. This admission policy, evaluated by the API server
 * itself (no extra controller), lets the service accounts of a tenant namespace (its reconciler,
 * and so Helm acting as it) write only `helm.sh/release.v1` Secrets there; everyone else (the
 * platform admin, the Sealed Secrets controller) is not matched. The caller test uses only
 * `request`, because the API server does not provide `namespaceObject` to match conditions.
 */
export function tenantSecretPolicy(): K8sObject[] {
  const name = "tenant-reconciler-secrets";
  return [
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicy",
      metadata: platformMeta(name),
      spec: {
        failurePolicy: "Fail",
        matchConstraints: {
          resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["secrets"] }],
        },
        matchConditions: [
          {
            name: "is-service-account-of-the-namespace",
            expression: "request.userInfo.username.startsWith('system:serviceaccount:' + request.namespace + ':')",
          },
        ],
        validations: [
          {
            expression: "object.type == 'helm.sh/release.v1'",
            message: "tenant reconcilers may only write Helm release Secrets; deliver other secrets as SealedSecrets",
            reason: "Forbidden",
          },
        ],
      },
    },
    {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingAdmissionPolicyBinding",
      metadata: platformMeta(name),
      spec: {
        policyName: name,
        validationActions: ["Deny"],
        matchResources: { namespaceSelector: { matchExpressions: [{ key: TENANT_LABEL, operator: "Exists" }] } },
      },
    },
  ];
}

/** Exposes notification-controller's webhook receiver so GitHub can reach it. */
export function receiverIngress(ctx: ClusterContext, ingressClassName: string): K8sObject[] {
  if (!ctx.receiverHost) return [];
  return [
    {
      apiVersion: "networking.k8s.io/v1",
      kind: "Ingress",
      metadata: platformMeta("flux-webhook-receiver", FLUX_NAMESPACE),
      spec: {
        ingressClassName,
        rules: [
          {
            host: ctx.receiverHost,
            http: { paths: [{ path: "/hook/", pathType: "Prefix", backend: { service: { name: "webhook-receiver", port: { number: 80 } } } }] },
          },
        ],
      },
    },
  ];
}

/** Cluster-wide objects the platform delivers beside the tenants (`infrastructure/<cluster>`). */
export function platformObjects(ctx: ClusterContext, ingressClassName: string): K8sObject[] {
  return [...tenantSecretPolicy(), ...receiverIngress(ctx, ingressClassName)];
}

export interface FluxInstanceOptions {
  cluster: string;
  flux: StackConfig["flux"];
  fleet: StackConfig["fleet"];
  /** Image controllers run only where some tenant uses image automation. */
  imageAutomation: boolean;
  /** IAM role the image-reflector-controller assumes to read ECR (IRSA). */
  imageReflectorRoleArn?: string;
  fleetSecretName: string;
  /** Where the fleet repository is. @default GitHub */
  git?: GitHost;
}

/**
 * The Flux installation, as the Flux Operator reconciles it. `multitenant: true` is the lockdown
 * the seeds patched in by hand: no cross-namespace references, and Kustomizations/HelmReleases
 * that name no service account run as `default` in their namespace, which can do nothing.
 */
export function fluxInstance(o: FluxInstanceOptions): K8sObject {
  const components = ["source-controller", "kustomize-controller", "helm-controller", "notification-controller"];
  if (o.imageAutomation) components.push("image-reflector-controller", "image-automation-controller");
  const patches = o.imageReflectorRoleArn
    ? [
        {
          target: { kind: "ServiceAccount", name: "image-reflector-controller" },
          patch: JSON.stringify([
            { op: "add", path: "/metadata/annotations/eks.amazonaws.com~1role-arn", value: o.imageReflectorRoleArn },
          ]),
        },
      ]
    : [];
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
      ...(patches.length ? { kustomize: { patches } } : {}),
    },
  };
}

/**
 * The fleet's entry points for one cluster: platform infrastructure first, then the tenants,
 * both applied by Flux's own (privileged) service account, named explicitly.
 */
export function fleetEntryPoints(cluster: string, interval: string): K8sObject[] {
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
      // Tenants start only once the platform's policies are in place, so no tenant runs unguarded.
      ...(dependsOn ? { dependsOn: [{ name: dependsOn }] } : { wait: true }),
    },
  });
  return [
    kustomization("infrastructure", `./infrastructure/${cluster}`),
    kustomization("tenants", `./tenants/${cluster}`, "infrastructure"),
  ];
}
