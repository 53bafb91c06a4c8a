import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import type { ExistingClusterConfig } from "../lib/stack-schema";
import { defaultKubeconfigFiles, kubeconfigWithContext } from "../lib/stack-rules";
import type { PlatformCluster } from "./eks-cluster";

export interface ExistingClusterArgs {
  /** The cluster's entry in `platform:clusters`: a kubeconfig context instead of EKS settings. */
  config: ExistingClusterConfig;
}

/**
 * A cluster the program does not create (kind, k3d, or an EKS made elsewhere), reached through a
 * kubeconfig context, so the same platform can be tried on a laptop.
 */
export class ExistingCluster extends pulumi.ComponentResource implements PlatformCluster {
  readonly clusterName: string;
  declare readonly provider: k8s.Provider;
  declare readonly endpoint: pulumi.Output<string>;
  declare readonly kubeconfig: pulumi.Output<string>;

  constructor(name: string, args: ExistingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:cluster:ExistingCluster", name, {}, opts);
    const c = args.config;
    this.clusterName = c.name;
    // Validation has checked that this file exists and has the context (lib/stack-rules.ts); of a
    // $KUBECONFIG list, the file that has the context is the one read.
    const defaults = defaultKubeconfigFiles();
    const file = c.existing.kubeconfig ?? kubeconfigWithContext(defaults, c.existing.context) ?? defaults[0];
    if (!fs.existsSync(file)) {
      throw new pulumi.ResourceError(`cluster ${c.name}: kubeconfig ${file} not found; set existing.kubeconfig in platform:clusters or KUBECONFIG`, this);
    }
    this.kubeconfig = pulumi.secret(fs.readFileSync(file, "utf8"));
    this.endpoint = pulumi.output(`kubeconfig context ${c.existing.context}`);
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig, context: c.existing.context, enableServerSideApply: true }, { parent: this });
    this.registerOutputs({ endpoint: this.endpoint, kubeconfig: this.kubeconfig, provider: this.provider });
  }
}
