import type { StackConfig } from "../stack-schema";
import { API, FLUX_NAMESPACE, platformMeta, type K8sObject } from "./meta";

/** What the add-ons of one EKS cluster need from AWS: names, the VPC and the IAM roles made for them. */
export interface AddonValues {
  clusterName: string;
  region: string;
  vpcId: string;
  versions: StackConfig["addons"];
  /** IRSA role of the load balancer controller's service account. */
  loadBalancerControllerRoleArn: string;
  /** ExternalDNS: its IRSA role and the zones it may write; absent without `platform:dns`. */
  externalDns?: { roleArn: string; zones: { domain: string; hostedZoneId: string }[] };
}

/** Service accounts the add-ons run as, which their IAM roles trust (and nothing else). */
export const ADDON_SERVICE_ACCOUNTS = {
  loadBalancerController: { namespace: "kube-system", name: "aws-load-balancer-controller" },
  externalDns: { namespace: "external-dns", name: "external-dns" },
  ebsCsiController: { namespace: "kube-system", name: "ebs-csi-controller-sa" },
} as const;

/** Namespaces the shared add-ons run in: the platform's, never a tenant's or the Sealed Secrets controller's. */
export const ADDON_NAMESPACES: string[] = [...new Set(Object.values(ADDON_SERVICE_ACCOUNTS).map((a) => a.namespace))];

export const ALB_INGRESS_CLASS = "alb";
export const DEFAULT_STORAGE_CLASS = "gp3";

/** Helm releases of platform add-ons are applied by helm-controller's own account: multitenancy makes `default` the default. */
const PLATFORM_HELM_APPLIER = "helm-controller";

const helmRepository = (name: string, url: string): K8sObject => ({
  apiVersion: API.source,
  kind: "HelmRepository",
  metadata: platformMeta(name, FLUX_NAMESPACE),
  spec: { interval: "12h", url },
});

function helmRelease(name: string, o: { repository: string; chart: string; version: string; namespace: string; values: Record<string, unknown> }): K8sObject {
  return {
    apiVersion: API.helm,
    kind: "HelmRelease",
    metadata: platformMeta(name, FLUX_NAMESPACE),
    spec: {
      interval: "1h",
      releaseName: name,
      targetNamespace: o.namespace,
      serviceAccountName: PLATFORM_HELM_APPLIER,
      chart: { spec: { chart: o.chart, version: o.version, sourceRef: { kind: "HelmRepository", name: o.repository } } },
      install: { createNamespace: true, remediation: { retries: 3 } },
      upgrade: { remediation: { retries: 3 } },
      values: o.values,
    },
  };
}

/**
 * The shared add-ons of an EKS cluster, as Flux HelmReleases beside the platform's policies in
 * `infrastructure/<cluster>` (Git shows what runs; the `infrastructure` Kustomization waits for
 * them, so tenants start only once Ingresses and volumes can be served). Their IAM roles are
 * made by Pulumi (components/cluster-addons.ts).
 * - AWS Load Balancer Controller: the default `alb` IngressClass; IP targets, so traffic comes from
 *   the load balancers' addresses that tenant NetworkPolicies admit. The VPC and region are given
 *   because pods cannot reach instance metadata (hop limit 1).
 * - ExternalDNS (with `platform:dns`): records for Ingress hosts in the declared zones only, owned
 *   by this cluster (TXT owner = cluster name), so two clusters never fight over a record.
 * - A default encrypted gp3 StorageClass on the EBS CSI driver (an EKS add-on).
 */
export function addonObjects(v: AddonValues): K8sObject[] {
  const lb = ADDON_SERVICE_ACCOUNTS.loadBalancerController;
  const dns = ADDON_SERVICE_ACCOUNTS.externalDns;
  const irsa = (roleArn: string, name: string) => ({ create: true, name, annotations: { "eks.amazonaws.com/role-arn": roleArn } });
  return [
    helmRepository("eks-charts", "https://aws.github.io/eks-charts"),
    helmRelease("aws-load-balancer-controller", {
      repository: "eks-charts",
      chart: "aws-load-balancer-controller",
      version: v.versions.loadBalancerControllerChart,
      namespace: lb.namespace,
      values: {
        clusterName: v.clusterName,
        region: v.region,
        vpcId: v.vpcId,
        serviceAccount: irsa(v.loadBalancerControllerRoleArn, lb.name),
        ingressClass: ALB_INGRESS_CLASS,
        createIngressClassResource: true,
        ingressClassConfig: { default: true },
        defaultTargetType: "ip",
        // Not granted in its IAM policy, so not used.
        enableShield: false,
        enableWaf: false,
        enableWafv2: false,
      },
    }),
    ...(v.externalDns
      ? [
          helmRepository("external-dns", "https://kubernetes-sigs.github.io/external-dns/"),
          helmRelease("external-dns", {
            repository: "external-dns",
            chart: "external-dns",
            version: v.versions.externalDnsChart,
            namespace: dns.namespace,
            values: {
              provider: { name: "aws" },
              serviceAccount: irsa(v.externalDns.roleArn, dns.name),
              env: [{ name: "AWS_DEFAULT_REGION", value: v.region }],
              sources: ["ingress"],
              policy: "sync",
              registry: "txt",
              txtOwnerId: v.clusterName,
              domainFilters: v.externalDns.zones.map((z) => z.domain).sort(),
              extraArgs: v.externalDns.zones.map((z) => `--zone-id-filter=${z.hostedZoneId}`).sort(),
            },
          }),
        ]
      : []),
    {
      apiVersion: "storage.k8s.io/v1",
      kind: "StorageClass",
      metadata: { ...platformMeta(DEFAULT_STORAGE_CLASS), annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
      provisioner: "ebs.csi.aws.com",
      parameters: { type: "gp3", encrypted: "true" },
      volumeBindingMode: "WaitForFirstConsumer",
      allowVolumeExpansion: true,
      reclaimPolicy: "Delete",
    },
  ];
}
