import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { fleetPaths, kustomizationFile, objectFolder, tenantsIndex, toYaml } from "../lib/fleet";
import type { K8sObject } from "../lib/objects/meta";
import { fleetEntryPoints } from "../lib/objects/platform";
import type { StackConfig } from "../lib/stack-schema";

export interface FleetRepositoryArgs {
  fleet: StackConfig["fleet"];
}

/** The fleet repository Flux syncs from: created here when `fleet.create` is set, else referenced. */
export class FleetRepository extends pulumi.ComponentResource {
  /** Repository name without the owner. */
  declare readonly repositoryName: pulumi.Output<string>;

  constructor(name: string, args: FleetRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:fleet:FleetRepository", name, {}, opts);
    const [, repoName] = args.fleet.repository.split("/");
    this.repositoryName = args.fleet.create
      ? new github.Repository(`${name}-repo`, {
          name: repoName,
          description: "Flux fleet repository, managed by the platform program",
          visibility: "private",
          autoInit: true,
          deleteBranchOnMerge: true,
        }, { parent: this, protect: true }).name
      : pulumi.output(repoName);
    this.registerOutputs({ repositoryName: this.repositoryName });
  }
}

export interface FleetClusterFiles {
  cluster: string;
  delivery: StackConfig["delivery"];
  syncInterval: string;
  /** Cluster-wide objects delivered through `infrastructure/<cluster>` (gitops only). */
  platformObjects: pulumi.Input<K8sObject[]>;
  /** The EKS cluster's shared add-ons, delivered through `infrastructure/<cluster>/addons` (gitops only). */
  addonObjects?: pulumi.Input<K8sObject[]>;
  /** Tenants with a folder under `tenants/<cluster>` (gitops only). */
  tenants: string[];
}

/** The folders of one cluster in the fleet repository, which that cluster's commits own. */
export const clusterPrefixes = (cluster: string) => [`clusters/${cluster}/`, `${fleetPaths.infrastructureDir(cluster)}/`, `${fleetPaths.tenantsDir(cluster)}/`];

/** Every platform-owned file of one cluster in the fleet repository, by path. */
export function fleetFiles(c: FleetClusterFiles): Record<string, pulumi.Input<string>> {
  const entryDir = `clusters/${c.cluster}`;
  if (c.delivery === "direct") return { [`${entryDir}/kustomization.yaml`]: kustomizationFile([]) };
  return {
    [`${entryDir}/kustomization.yaml`]: kustomizationFile(["platform.yaml"]),
    [fleetPaths.entryPoints(c.cluster)]: toYaml(fleetEntryPoints(c.cluster, c.syncInterval, c.addonObjects !== undefined)),
    ...objectFolder(fleetPaths.infrastructureDir(c.cluster), pulumi.output(c.platformObjects).apply((o) => toYaml(o as K8sObject[]))),
    ...(c.addonObjects ? objectFolder(fleetPaths.addonsDir(c.cluster), pulumi.output(c.addonObjects).apply((o) => toYaml(o as K8sObject[]))) : {}),
    ...tenantsIndex(c.cluster, c.tenants),
  };
}
