import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { fleetPaths, kustomizationFile, objectFolder, tenantsIndex, toYaml } from "../lib/fleet";
import type { K8sObject } from "../lib/objects/meta";
import { fleetEntryPoints } from "../lib/objects/platform";
import type { StackConfig } from "../lib/stack-schema";

export interface FleetClusterFiles {
  cluster: string;
  /** Cluster-wide objects delivered through `infrastructure/<cluster>` (gitops only). */
  platformObjects: K8sObject[];
  /** Tenants with a folder under `tenants/<cluster>` (gitops only). */
  tenants: string[];
}

export interface FleetRepositoryArgs {
  fleet: StackConfig["fleet"];
  delivery: StackConfig["delivery"];
  syncInterval: string;
  clusters: FleetClusterFiles[];
}

/**
 * The fleet repository Flux syncs from: created here when `fleet.create` is set, and holding each
 * cluster's entry point (`clusters/<cluster>`) and, for `gitops` delivery, the platform's
 * infrastructure folder and the index of tenant folders.
 */
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
    // Written once the repository exists; `tenants/<cluster>/kustomization.yaml` may briefly list a
    // tenant folder before its Tenant commits it, and Flux retries until it is there.
    for (const c of args.clusters) {
      for (const [file, content] of Object.entries(fleetFiles(c, args))) {
        new github.RepositoryFile(`${name}-${file.replace(/[/.]/g, "-")}`, {
          repository: this.repositoryName,
          branch: args.fleet.branch,
          file,
          content,
          commitMessage: `platform: update ${file}`,
          overwriteOnCreate: true,
        }, { parent: this });
      }
    }
    this.registerOutputs({ repositoryName: this.repositoryName });
  }
}

/** Every platform-owned file of one cluster in the fleet repository, by path. */
export function fleetFiles(c: FleetClusterFiles, args: Pick<FleetRepositoryArgs, "delivery" | "syncInterval">): Record<string, string> {
  const entryDir = `clusters/${c.cluster}`;
  if (args.delivery === "direct") return { [`${entryDir}/kustomization.yaml`]: kustomizationFile([]) };
  return {
    [`${entryDir}/kustomization.yaml`]: kustomizationFile(["platform.yaml"]),
    [fleetPaths.entryPoints(c.cluster)]: toYaml(fleetEntryPoints(c.cluster, args.syncInterval)),
    ...objectFolder(fleetPaths.infrastructureDir(c.cluster), toYaml(c.platformObjects)),
    ...tenantsIndex(c.cluster, c.tenants),
  };
}
