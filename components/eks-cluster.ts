import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { EksClusterConfig, StackConfig } from "../lib/stack-schema";
import type { AddonValues } from "../lib/objects/addons";
import { ClusterAddons } from "./cluster-addons";
import { ClusterNetwork } from "./cluster-network";

export interface EksClusterArgs {
  /** The cluster's entry in `platform:clusters`, validated. */
  config: EksClusterConfig;
  /** IAM role that creates the cluster and that the Kubernetes provider assumes; @default the caller's identity */
  deployerRoleArn?: string;
  /** The shared add-ons: versions, the stage's DNS zones (none: no ExternalDNS or certificate), and hosts beyond `*.<zone>` to certify. */
  addons: { versions: StackConfig["addons"]; zones?: { domain: string; hostedZoneId: string }[]; extraHosts: string[] };
  /** Private networks CI's runner calls from (`platform:ci.runnerCidrs`), let in to the API on 443; @default none */
  runnerCidrs?: string[];
}

/** What the rest of the program needs from a cluster, EKS or existing. */
export interface PlatformCluster {
  readonly clusterName: string;
  readonly provider: k8s.Provider;
  readonly endpoint: pulumi.Output<string>;
  /** Secret: it grants access to the cluster. */
  readonly kubeconfig: pulumi.Output<string>;
  /** IRSA: the cluster's OIDC provider, for IAM roles of in-cluster service accounts. */
  readonly oidc?: { arn: pulumi.Output<string>; url: pulumi.Output<string> };
  /** What the shared add-ons' objects need (EKS clusters only). */
  readonly addonValues?: pulumi.Output<AddonValues>;
}

const CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy";
export const NODE_METADATA_OPTIONS = { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 };
const NODE_POLICIES = ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"];

/**
 * An EKS cluster in its own VPC: managed nodes in private subnets, access entries (no aws-auth
 * ConfigMap), Secrets encrypted with a KMS key, control-plane logs, IRSA, and a Kubernetes provider
 * for everything installed on it.
 */
export class EksCluster extends pulumi.ComponentResource implements PlatformCluster {
  readonly clusterName: string;
  declare readonly provider: k8s.Provider;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly kubeconfig: pulumi.Output<string>;
  declare readonly oidc: { arn: pulumi.Output<string>; url: pulumi.Output<string> };
  declare readonly addonValues: pulumi.Output<AddonValues>;

  constructor(name: string, args: EksClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:EksCluster", name, {}, opts);
    const c = args.config;
    this.clusterName = c.name;
    // The cluster is created as the deployer role (when the stack names one), whoever runs `up`:
    // EKS makes its creator admin, so a cluster made by a person would lock CI out.
    const awsProvider = new aws.Provider(`${name}-aws`, {
      region: c.region as aws.Region,
      ...(args.deployerRoleArn ? { assumeRoles: [{ roleArn: args.deployerRoleArn, sessionName: "eks-gitops-platform" }] } : {}),
    }, { parent: this });
    const inRegion = { parent: this, provider: awsProvider };
    const network = new ClusterNetwork(`${name}-network`, { cidr: c.vpcCidr, zoneIds: c.availabilityZoneIds, clusterName: c.name, protect: c.deletionProtection }, { parent: this, providers: { aws: awsProvider } });
    const key = new aws.kms.Key(`${name}-secrets`, {
      description: `Envelope encryption of Kubernetes Secrets in ${c.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      // Losing it loses every Secret of the cluster: protected with the cluster.
    }, { ...inRegion, protect: c.deletionProtection });
    // EKS writes control-plane logs to this group, creating it without expiry if it does not exist:
    // made first, with the stack's retention.
    const logs = new aws.cloudwatch.LogGroup(`${name}-logs`, {
      name: `/aws/eks/${c.name}/cluster`,
      retentionInDays: c.logRetentionDays,
    }, { ...inRegion, retainOnDelete: c.deletionProtection });
    const cluster = new eks.Cluster(`${name}-eks`, {
      name: c.name,
      version: c.kubernetesVersion,
      vpcId: network.vpcId,
      publicSubnetIds: network.publicSubnetIds,
      privateSubnetIds: network.privateSubnetIds,
      endpointPublicAccess: c.endpoint.public,
      endpointPrivateAccess: c.endpoint.private,
      publicAccessCidrs: c.endpoint.publicCidrs,
      authenticationMode: eks.AuthenticationMode.Api,
      accessEntries: Object.fromEntries(c.adminRoleArns.map((arn, i) => [`admin-${i}`, {
        principalArn: arn,
        accessPolicies: { admin: { policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: "cluster" } } },
      }])),
      skipDefaultNodeGroup: true,
      // Tenant NetworkPolicies mean nothing unless the VPC CNI enforces them (off by default on EKS).
      useDefaultVpcCni: false,
      vpcCniOptions: { enableNetworkPolicy: true },
      nodeAssociatePublicIpAddress: false,
      createOidcProvider: true,
      encryptionConfigKeyArn: key.arn,
      enabledClusterLogTypes: c.logTypes,
      deletionProtection: c.deletionProtection,
      // The Kubernetes provider acts as the cluster's creator too.
      ...(args.deployerRoleArn ? { providerCredentialOpts: { roleArn: args.deployerRoleArn } } : {}),
    }, { ...inRegion, protect: c.deletionProtection, dependsOn: [logs] });
    // A private endpoint answers only inside the VPC, and there only to what its security group
    // admits (the nodes): the runner's networks are let in. This group (pulumi-eks's) is on the
    // endpoint's interfaces only; EKS's own is on every node too.
    for (const cidr of args.runnerCidrs ?? []) {
      new aws.vpc.SecurityGroupIngressRule(`${name}-ci-${cidr.replace(/[./]/g, "-")}`, {
        securityGroupId: cluster.clusterSecurityGroupId,
        description: "Kubernetes API for CI's runner (platform:ci.runnerCidrs)",
        cidrIpv4: cidr,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
      }, inRegion);
    }
    const nodeRole = new aws.iam.Role(`${name}-nodes`, {
      assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: "ec2.amazonaws.com" }),
      managedPolicyArns: NODE_POLICIES.map((p) => `arn:aws:iam::aws:policy/${p}`),
    }, inRegion);
    const nodeGroups: eks.ManagedNodeGroup[] = [];
    for (const g of c.nodeGroups) {
      const template = new aws.ec2.LaunchTemplate(`${name}-${g.name}`, {
        description: `Nodes of ${c.name}/${g.name}`,
        // IMDSv2 only, one network hop: the node reaches its instance metadata (and role), pods
        // (one hop further) do not, whatever their NetworkPolicy says.
        metadataOptions: NODE_METADATA_OPTIONS,
        blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: g.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } }],
        updateDefaultVersion: true,
      }, inRegion);
      nodeGroups.push(new eks.ManagedNodeGroup(`${name}-${g.name}`, {
        cluster,
        nodeGroupName: g.name,
        nodeRoleArn: nodeRole.arn,
        subnetIds: network.privateSubnetIds,
        instanceTypes: g.instanceTypes,
        capacityType: g.capacityType,
        launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
        scalingConfig: { minSize: g.minSize, desiredSize: g.desiredSize, maxSize: g.maxSize },
      }, { ...inRegion, protect: c.deletionProtection }));
    }
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.endpoint = cluster.core.endpoint;
    this.oidc = { arn: cluster.oidcProviderArn, url: cluster.oidcProviderUrl };
    const addons = new ClusterAddons(`${name}-addons`, {
      clusterName: c.name,
      region: c.region,
      eksClusterName: cluster.eksCluster.name,
      vpcId: network.vpcId,
      oidc: this.oidc,
      versions: args.addons.versions,
      zones: args.addons.zones,
      extraHosts: args.addons.extraHosts,
      nodeGroups,
    }, { parent: this, providers: { aws: awsProvider } });
    this.addonValues = addons.values;
    // Everything installed on the cluster goes through this provider, so it waits for the nodes
    // (charts and controllers need somewhere to run), and on destroy it, and all it installed
    // (tenants and Flux objects first, by their own dependencies), goes before the nodes.
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, enableServerSideApply: true }, { parent: this, dependsOn: nodeGroups });
    this.registerOutputs({ endpoint: this.endpoint, kubeconfig: this.kubeconfig, oidc: this.oidc, provider: this.provider, addonValues: this.addonValues });
  }
}
