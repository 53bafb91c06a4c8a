import * as semver from "semver";
import { z } from "zod";
import { capped as cappedList, dnsLabel, withoutCredentials, githubRepository, gitBranch, fluxDuration, hostName } from "./rules";
import { awsRegion, checkAdminRolesOnce, checkEndpoint, checkNodeGroupNames, eksKubernetesVersion, publicCidr, runnerCidr, vpcCidr } from "./stack-rules";

/**
 * The stack configuration under the `platform:` namespace of `Pulumi.<stack>.yaml`. Stages differ
 * only by these values; the program never branches on the stack name.
 */

/** Defaults for stack configuration; each is documented where its field is declared. */
export const stackDefaults = {
  delivery: "gitops" as const,
  kubernetesVersion: "1.35",
  vpcCidr: "10.0.0.0/16",
  logTypes: ["api", "audit", "authenticator"],
  logRetentionDays: 90,
  fleetBranch: "main",
  fluxVersion: "2.9.x",
  fluxRegistry: "ghcr.io/fluxcd",
  fluxOperatorChartVersion: "0.58.0",
  sealedSecretsChartVersion: "2.18.1",
  /** The controller release the chart runs (its image tag); the real-engine tests build this one. */
  sealedSecretsControllerVersion: "0.36.0",
  sealedSecretsNamespace: "sealed-secrets",
  ingressNamespace: "ingress-nginx",
  ingressClassName: "nginx",
  /** Shared add-ons of every EKS cluster; chart versions read from the charts' sources (see README). */
  loadBalancerControllerChart: "3.5.0",
  externalDnsChart: "1.22.0",
  ebsCsiDriverAddon: "v1.67.1-eksbuild.1",
  syncInterval: "10m",
  gitSshUrl: "ssh://git@github.com",
  gitApiUrl: "https://api.github.com/",
  /** GitHub-hosted: it reaches only public endpoints, so a stack with a private-only one must say otherwise. */
  ciRunnerLabels: ["ubuntu-latest"],
};

const semverVersion = z.string().refine((v) => semver.valid(v) !== null, { error: "not a version, e.g. \"1.2.3\"" });

/** The first Flux Operator release that bundles Flux 2.9 (earlier ones stop at 2.7/2.8). */
export const FIRST_OPERATOR_FOR_FLUX_2_9 = "0.53.0";

/** Whether the operator release can install some Flux version in the range asked for. */
function operatorCanInstall(f: { version: string; operatorChartVersion: string }): boolean {
  if (!semver.valid(f.operatorChartVersion) || !semver.validRange(f.version)) return true; // reported by their own rules
  const needs29 = !semver.intersects(f.version, "<2.9.0-0");
  return !needs29 || semver.gte(f.operatorChartVersion, FIRST_OPERATOR_FOR_FLUX_2_9);
}

/** The retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

const capped = <T extends z.ZodType>(element: T, max: number, what: string) => cappedList(element, max, what, "stack");

/** An IngressClass name: a DNS subdomain (Kubernetes object names). */
const ingressClass = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "not an IngressClass name (lower-case letters, digits, '-' and '.'), e.g. \"alb\" or \"nginx\"" }).max(253);

const roleArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+$/, {
  error: "not an IAM role ARN; expected arn:aws:iam::<12-digit account>:role/<name>",
});

/**
 * How GitHub reaches the cluster's Flux webhook receiver. GitHub calls https and checks the
 * certificate, so a receiver without TLS is not declared at all: the cluster then polls.
 */
const receiver = strict({
  host: hostName.describe("Public host name of the receiver, e.g. flux-webhook.dev.acme.example"),
  ingressClassName: ingressClass.optional().describe("Ingress class that serves it; @default platform:ingressClassName"),
  tls: z.union([
    strict({ secretName: dnsLabel.describe("TLS Secret in flux-system for the host (e.g. issued by cert-manager)") }),
    strict({ certificateArn: z.string().regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]+$/, { error: "not an ACM certificate ARN" }).describe("ACM certificate the AWS load balancer serves") }),
    strict({ managed: z.literal(true).describe("The ACM certificate this program makes for the cluster from platform:dns (EKS clusters)") }),
  ], { error: "must be { secretName: <TLS Secret in flux-system> }, { certificateArn: <ACM certificate ARN> } or { managed: true } (the program's ACM certificate; needs platform:dns): GitHub only calls https with a valid certificate" }),
});

const nodeGroup = strict({
  name: dnsLabel,
  instanceTypes: capped(z.string().regex(/^[a-z0-9-]+\.[a-z0-9-]+$/, { error: "not an EC2 instance type, e.g. \"m6i.large\"" }), 20, "instance types").min(1),
  minSize: z.number().int().nonnegative(),
  maxSize: z.number().int().positive().max(450, { error: "is above 450, the most nodes an EKS managed node group holds (service quota); add another node group" }),
  desiredSize: z.number().int().nonnegative(),
  diskSizeGiB: z.number().int().min(20).max(16384, { error: "is above 16384 GiB, the largest EBS volume" }).default(50).describe("Root volume size in GiB; @default 50"),
  capacityType: z.enum(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
}).refine((g) => g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize, {
  error: "needs minSize <= desiredSize <= maxSize",
});

/** The zone-ID prefix of a region: `eu-west-1` → `euw1`, `ap-southeast-2` → `apse2`, `us-gov-west-1` → `usgw1`. */
export function zoneIdPrefix(region: string): string | undefined {
  const m = /^([a-z]{2})-(gov-)?(north|south|east|west|central|northeast|southeast|northwest|southwest)-(\d+)$/.exec(region);
  if (!m) return undefined;
  const direction = m[3].replace(/^(north|south)(east|west)$/, (_a, ns: string, ew: string) => ns[0] + ew[0]);
  return `${m[1]}${m[2] ? "g" : ""}${direction.length <= 2 ? direction : direction[0]}${m[4]}`;
}

/** An availability zone ID, e.g. `euw1-az1`; zone names (`eu-west-1a`) differ between accounts. */
const ZONE_ID = /^[a-z]{2,}[a-z]*\d+-az\d+$/;

const eksCluster = strict({
  name: dnsLabel.describe("Cluster name, also the fleet folder clusters/<name>"),
  region: awsRegion.describe("AWS region, e.g. eu-west-1"),
  kubernetesVersion: eksKubernetesVersion.default(stackDefaults.kubernetesVersion),
  vpcCidr: vpcCidr.default(stackDefaults.vpcCidr).describe("Private IPv4 range of the cluster's VPC, /16 to /24, not overlapping another cluster's of the stack"),
  availabilityZoneIds: z.array(z.string().regex(ZONE_ID, { error: "not an availability zone ID; zone IDs look like euw1-az1 (see `aws ec2 describe-availability-zones`, column ZoneId)" }))
    .min(2, { error: "needs at least 2 zones: EKS and a resilient node group need two" }).max(6)
    .describe("Availability zone IDs (not names: names differ between accounts) of the cluster's subnets, e.g. [euw1-az1, euw1-az2]; one public and one private subnet each"),
  endpoint: strict({
    public: z.boolean().default(true),
    private: z.boolean().default(true),
    publicCidrs: capped(publicCidr, 40, "ranges (EKS allows 40)").optional(),
  }).superRefine(checkEndpoint).default({ public: true, private: true }),
  adminRoleArns: capped(roleArn, 20, "roles").min(1, { error: "needs at least one role that administers the cluster" }).superRefine(checkAdminRolesOnce),
  nodeGroups: capped(nodeGroup, 30, "node groups").min(1).superRefine(checkNodeGroupNames),
  deletionProtection: z.boolean().default(false).describe("EKS deletion protection and Pulumi protect on the cluster; @default false"),
  logTypes: z.array(z.enum(["api", "audit", "authenticator", "controllerManager", "scheduler"])).default(stackDefaults.logTypes as ["api"]),
  logRetentionDays: z.number().refine((d) => LOG_RETENTION_DAYS.includes(d), { error: `not a CloudWatch Logs retention; use one of ${LOG_RETENTION_DAYS.join(", ")}` })
    .default(stackDefaults.logRetentionDays).describe("Days CloudWatch keeps the control-plane logs (EKS's own log group never expires); @default 90"),
  receiver: receiver.optional().describe("How GitHub reaches the Flux webhook receiver (host, ingress class, TLS); without it tenants' repositories are polled and no GitHub webhook is created"),
}).superRefine((c, ctx) => {
  const prefix = zoneIdPrefix(c.region);
  c.availabilityZoneIds.forEach((id, i) => {
    // Only a zone ID can be of another region; anything else already has its own problem.
    if (prefix && ZONE_ID.test(id) && !id.startsWith(`${prefix}-`)) ctx.addIssue({ code: "custom", path: ["availabilityZoneIds", i], message: `is not a zone of ${c.region} (its zone IDs start with ${prefix}-)` });
    if (c.availabilityZoneIds.indexOf(id) !== i) ctx.addIssue({ code: "custom", path: ["availabilityZoneIds", i], message: "is listed twice; each zone gets one public and one private subnet" });
  });
});

const existingCluster = strict({
  name: dnsLabel,
  existing: strict({
    context: z.string().min(1).describe("kubeconfig context, e.g. kind-platform"),
    kubeconfig: z.string().optional().describe("Path to the kubeconfig file; @default $KUBECONFIG or ~/.kube/config"),
  }),
  receiver: receiver.optional(),
});

export const clusterSchema = z.union([eksCluster, existingCluster], {
  error: "is neither an EKS cluster (name, region, adminRoleArns, nodeGroups) nor an existing one (name, existing.context)",
});

const KNOWN_HOSTS_LINE = /^\S+ (ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521|ssh-rsa) [A-Za-z0-9+/=]+$/;

/** The Git host the fleet and the teams' repositories live on: GitHub, or a GitHub Enterprise Server. */
const gitHost = strict({
  sshUrl: withoutCredentials("the only user an SSH URL may name is git@ (Flux authenticates with its deploy key); write ssh://git@<host>").regex(/^ssh:\/\/git@[a-z0-9.-]+(:\d{1,5})?$/, {
    error: "not an SSH base URL; write ssh://git@<host> or ssh://git@<host>:<port>, e.g. \"ssh://git@github.example.com\"",
  }).default(stackDefaults.gitSshUrl).describe("Base of repository clone URLs; @default ssh://git@github.com"),
  apiUrl: withoutCredentials("write the bare API URL; the token comes from the secret config key github:token: pulumi config set --secret github:token <token>").regex(/^https?:\/\/[^\s]+\/$/, {
    error: "not an API base URL ending in /, e.g. \"https://github.example.com/api/v3/\"",
  }).default(stackDefaults.gitApiUrl).describe("GitHub REST API base URL (GitHub Enterprise: https://<host>/api/v3/); @default https://api.github.com/"),
  // Checked line by line: one pattern repeated over the whole text backtracks exponentially.
  knownHosts: z.string().refine((v) => v.trim() !== "" && v.split("\n").filter((l) => l !== "").every((l) => KNOWN_HOSTS_LINE.test(l)), {
    error: "not known_hosts lines (`<host> <key type> <base64 key>`, one per line); copy them from `ssh-keyscan <host>` after checking the fingerprints",
  }).optional().describe("SSH host keys Flux trusts for sshUrl's host; @default GitHub's published keys"),
}).refine((g) => g.knownHosts !== undefined || g.sshUrl === stackDefaults.gitSshUrl, {
  path: ["knownHosts"],
  error: "is required for a Git host other than github.com: Flux must know the host's SSH keys in advance; add the lines `ssh-keyscan <host>` prints, after checking their fingerprints",
});

export const stackSchema = strict({
  stage: dnsLabel.describe("Stage of this stack; tenants choose stages by this name"),
  delivery: z.enum(["gitops", "direct"]).default(stackDefaults.delivery).describe("How tenant objects reach clusters; @default gitops"),
  deployerRoleArn: roleArn.optional().describe("IAM role that runs `pulumi up` (CI's role): it creates the EKS clusters, so EKS makes it their admin, and the Kubernetes provider assumes it; a person running up assumes it too"),
  privilegedTenants: capped(dnsLabel, 100, "tenants").default([]).describe("Tenants allowed Pod Security `privileged` (host access); @default none"),
  imageAutomationCluster: dnsLabel.optional().describe("The one cluster of this stage that runs tenants' image automation (and holds their write keys): clusters pushing the same branch would race; @default the first cluster"),
  tenantDomains: capped(hostName, 50, "domains").default([]).describe("DNS domains under which tenants may declare Ingress hosts, e.g. [dev.acme.example]; @default none: tenant Ingresses are refused"),
  protectNamespaces: z.boolean().default(false).describe("Pulumi protect on tenant namespaces; @default false"),
  clusters: capped(clusterSchema, 20, "clusters").min(1).describe("The clusters of this stage, each an EKS cluster or an existing one"),
  tenantRepositories: strict({
    owners: z.array(z.string().regex(/^[A-Za-z0-9-]{1,39}$/, { error: "not a GitHub owner (organization or user), e.g. \"acme\"" })).default([])
      .describe("GitHub owners whose repositories tenants may use; @default the fleet repository's owner"),
    repositories: z.array(githubRepository).default([]).describe("Single repositories tenants may use beyond those owners, owner/name"),
    exclude: z.array(githubRepository).default([]).describe("Repositories no tenant may use, e.g. the repository of this program; the fleet repository always is"),
  }).default({ owners: [], repositories: [], exclude: [] }).describe("Which repositories tenant files may name"),
  gitHost: gitHost.default({ sshUrl: stackDefaults.gitSshUrl, apiUrl: stackDefaults.gitApiUrl }).describe("The Git host (GitHub or GitHub Enterprise Server)"),
  fleet: strict({
    repository: githubRepository,
    branch: gitBranch.default(stackDefaults.fleetBranch),
    create: z.boolean().default(false).describe("Create the fleet repository (private) instead of using an existing one; @default false"),
    rotation: z.number().int().nonnegative().default(0).describe("Bump to replace the fleet deploy key; @default 0"),
  }).describe("The fleet repository Flux syncs every cluster from, e.g. { repository: acme/eks-gitops-fleet }"),
  flux: strict({
    version: z.string().default(stackDefaults.fluxVersion).describe("Flux distribution version (semver range); @default 2.9.x"),
    registry: z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._-]+)*$/, { error: "not a container registry path, e.g. \"ghcr.io/fluxcd\" (no scheme, no spaces)" }).default(stackDefaults.fluxRegistry),
    operatorChartVersion: semverVersion.default(stackDefaults.fluxOperatorChartVersion).describe("Flux Operator chart (= operator) version; @default 0.58.0"),
    syncInterval: fluxDuration.default(stackDefaults.syncInterval),
  }).refine(operatorCanInstall, {
    path: ["operatorChartVersion"],
    error: `this Flux Operator cannot install the Flux version asked for: Flux 2.9 needs operator ${FIRST_OPERATOR_FOR_FLUX_2_9} or newer; set platform:flux.operatorChartVersion to "${stackDefaults.fluxOperatorChartVersion}"`,
  }).default({
    version: stackDefaults.fluxVersion,
    registry: stackDefaults.fluxRegistry,
    operatorChartVersion: stackDefaults.fluxOperatorChartVersion,
    syncInterval: stackDefaults.syncInterval,
  }),
  sealedSecrets: strict({
    chartVersion: semverVersion.default(stackDefaults.sealedSecretsChartVersion).describe("sealed-secrets chart version; @default 2.18.1"),
    controllerVersion: semverVersion.default(stackDefaults.sealedSecretsControllerVersion).describe("Controller image tag the chart runs; @default 0.36.0"),
    namespace: dnsLabel.default(stackDefaults.sealedSecretsNamespace),
    rotation: z.number().int().nonnegative().default(0).describe("Bump to replace the sealing key; @default 0"),
  }).default({
    chartVersion: stackDefaults.sealedSecretsChartVersion,
    controllerVersion: stackDefaults.sealedSecretsControllerVersion,
    namespace: stackDefaults.sealedSecretsNamespace,
    rotation: 0,
  }),
  ci: strict({
    runnerLabels: z.array(z.string().regex(/^[^\s,]+$/, { error: "not a runner label (no spaces or commas), e.g. \"self-hosted\"" })).min(1)
      .describe("`runs-on` labels of the GitHub Actions runner that previews and deploys this stack, e.g. [self-hosted, prod-vpc] for a runner inside the clusters' VPCs (.github/workflows/platform.yml reads them); @default [ubuntu-latest]"),
    runnerCidrs: z.array(runnerCidr).min(1).optional()
      .describe("Private networks the runner calls from (its subnet, inside a cluster's VPC or routed to it by peering, Transit Gateway or VPN): each may reach every EKS cluster's API on 443 (an ingress rule on the cluster's security group); @default none"),
  }).optional().describe("How CI reaches this stack's clusters; required when an EKS cluster's endpoint is private-only (a GitHub-hosted runner cannot reach it); @default a GitHub-hosted runner (ubuntu-latest)"),
  ingressNamespace: dnsLabel.default(stackDefaults.ingressNamespace).describe("Namespace of the ingress controller allowed into tenant namespaces"),
  ingressClassName: ingressClass.default(stackDefaults.ingressClassName).describe("Ingress class that exposes the Flux webhook receiver; @default nginx"),
  tenantsDir: z.string().default("tenants"),
  dns: strict({
    zones: z.array(strict({
      domain: hostName.describe("The zone's domain, e.g. dev.acme.example"),
      hostedZoneId: z.string().regex(/^Z[A-Z0-9]{1,31}$/, { error: "not a Route 53 hosted zone ID, e.g. \"Z0123456789ABCDEFGHIJ\"" }),
    })).min(1),
  }).optional().describe("Route 53 public hosted zones of this stage: ExternalDNS writes records for receiver and tenant hosts only there, and each EKS cluster gets an ACM certificate for them; without it, no DNS or certificates are managed"),
  addons: strict({
    loadBalancerControllerChart: semverVersion.default(stackDefaults.loadBalancerControllerChart).describe("aws-load-balancer-controller chart (eks-charts); @default 3.5.0"),
    externalDnsChart: semverVersion.default(stackDefaults.externalDnsChart).describe("external-dns chart (kubernetes-sigs); @default 1.22.0"),
    ebsCsiDriverAddon: z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, { error: "not an EKS add-on version, e.g. \"v1.67.1-eksbuild.1\" (aws eks describe-addon-versions --addon-name aws-ebs-csi-driver)" })
      .default(stackDefaults.ebsCsiDriverAddon).describe("aws-ebs-csi-driver EKS add-on version; @default v1.67.1-eksbuild.1"),
  }).default({
    loadBalancerControllerChart: stackDefaults.loadBalancerControllerChart,
    externalDnsChart: stackDefaults.externalDnsChart,
    ebsCsiDriverAddon: stackDefaults.ebsCsiDriverAddon,
  }).describe("Versions of the shared add-ons every EKS cluster gets (load balancers, DNS, storage)"),
});

export type StackConfig = z.output<typeof stackSchema>;
export type ClusterConfig = z.output<typeof clusterSchema>;
export type EksClusterConfig = z.output<typeof eksCluster>;
export type ExistingClusterConfig = z.output<typeof existingCluster>;

/** The cluster that runs image automation for the stage's tenants. */
export function imageAutomationCluster(s: Pick<StackConfig, "clusters" | "imageAutomationCluster">): string {
  return s.imageAutomationCluster ?? s.clusters[0].name;
}

/** The `runs-on` labels of the runner that previews and deploys the stack (the workflow reads the same key). */
export function ciRunnerLabels(s: Pick<StackConfig, "ci">): string[] {
  return s.ci?.runnerLabels ?? stackDefaults.ciRunnerLabels;
}

export function isExisting(c: ClusterConfig): c is ExistingClusterConfig {
  return "existing" in c;
}
