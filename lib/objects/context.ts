import type { GitHost } from "../git-host";

/** What a builder needs to know about the cluster a tenant lands on. */
export interface ClusterContext {
  /** Cluster name; also its fleet folder (`clusters/<name>`). */
  cluster: string;
  stage: string;
  /** Namespace of the ingress controller, allowed into tenant namespaces. */
  ingressNamespace: string;
  /** Public host of the Flux webhook receiver; push-based reconciliation is off without it. */
  receiverHost?: string;
  /** The Git host the teams' repositories are cloned from. @default GitHub */
  git?: GitHost;
}

/**
 * Values only known once other resources exist (ciphertexts, ECR URLs). Components resolve them
 * and pass them in, so the builders stay pure functions of plain data.
 */
export interface ResolvedValues {
  /** encryptedData per SealedSecret name. */
  sealed: Record<string, Record<string, string>>;
  /** Repository URL per ECR repository name of the tenant. */
  ecrUrls: Record<string, string>;
}
