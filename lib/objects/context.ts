import type { GitHost } from "../git-host";
import { publicSubnetCidrs } from "../network";
import { imageAutomationCluster, isExisting, type StackConfig } from "../stack-schema";

/** How GitHub reaches a cluster's webhook receiver: an https host with a certificate. */
export interface Receiver {
  host: string;
  ingressClassName: string;
  tls: { secretName: string } | { certificateArn: string } | { managed: true };
}

/** What a builder needs to know about the cluster a tenant lands on. */
export interface ClusterContext {
  /** Cluster name; also its fleet folder (`clusters/<name>`). */
  cluster: string;
  stage: string;
  /** Namespace of the ingress controller, allowed into tenant namespaces. */
  ingressNamespace: string;
  /**
   * Where an AWS load balancer's traffic comes from in IP target mode (the cluster's public
   * subnets), allowed into tenant namespaces; none for existing clusters.
   */
  loadBalancerCidrs?: string[];
  /** The Flux webhook receiver, where the stack declares how GitHub reaches it; else tenants poll. */
  receiver?: Receiver;
  /** This cluster runs the stage's image automation (one cluster per stage, so pushes never race). */
  imageAutomation: boolean;
  /** The Git host the teams' repositories are cloned from. @default GitHub */
  git?: GitHost;
}

/** Every cluster of the stack as the builders see it. */
export function clusterContexts(stack: Pick<StackConfig, "clusters" | "stage" | "ingressNamespace" | "ingressClassName" | "imageAutomationCluster">, git?: GitHost): ClusterContext[] {
  const automation = imageAutomationCluster(stack);
  return stack.clusters.map((c) => ({
    cluster: c.name,
    stage: stack.stage,
    ingressNamespace: stack.ingressNamespace,
    ...(isExisting(c) ? {} : { loadBalancerCidrs: publicSubnetCidrs(c.vpcCidr, c.availabilityZoneIds.length) }),
    ...(c.receiver ? { receiver: { host: c.receiver.host, ingressClassName: c.receiver.ingressClassName ?? stack.ingressClassName, tls: c.receiver.tls } } : {}),
    imageAutomation: c.name === automation,
    ...(git ? { git } : {}),
  }));
}

/**
 * Values only known once other resources exist (ciphertexts, ECR URLs, IAM roles). Components
 * resolve them and pass them in, so the builders stay pure functions of plain data.
 */
export interface ResolvedValues {
  /** encryptedData per SealedSecret name. */
  sealed: Record<string, Record<string, string>>;
  /** Repository URL per ECR repository name of the tenant. */
  ecrUrls: Record<string, string>;
  /** IAM role the tenant's image reader service account assumes to read its ECR repositories. */
  ecrReaderRoleArn?: string;
}
