import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { EcrRepository } from "../lib/tenant-schema";

export interface TenantRegistryArgs {
  tenant: string;
  /** The tenant's `ecr` entries with defaults applied. */
  repositories: EcrRepository[];
}

/**
 * A tenant's container repositories in ECR (`<tenant>/<name>`): scanned on push, optionally with
 * immutable tags, and trimmed to the newest `keepLast` images. One per tenant and stack; clusters
 * in other regions pull across regions. Children are named `<tenant>.<repository>`: both are DNS
 * labels, so no two tenant/repository pairs share a name.
 */
export class TenantRegistry extends pulumi.ComponentResource {
  declare readonly urls: Record<string, pulumi.Output<string>>;
  declare readonly arns: pulumi.Output<string>[];

  constructor(name: string, args: TenantRegistryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:registry:TenantRegistry", name, {}, opts);
    const urls: Record<string, pulumi.Output<string>> = {};
    const arns: pulumi.Output<string>[] = [];
    for (const r of args.repositories) {
      const repo = new aws.ecr.Repository(`${name}.${r.name}`, {
        name: `${args.tenant}/${r.name}`,
        imageScanningConfiguration: { scanOnPush: true },
        imageTagMutability: r.immutableTags ? "IMMUTABLE" : "MUTABLE",
        encryptionConfigurations: [{ encryptionType: "AES256" }],
        tags: { tenant: args.tenant },
        // A team's images outlive its tenant entry: deleting a non-empty repository fails, and
        // forcing it would destroy what may still run elsewhere. Removing a repository from the
        // tenant file, decommissioning or destroying leaves it in AWS (Pulumi forgets it).
        forceDelete: false,
      }, { parent: this, retainOnDelete: true });
      new aws.ecr.LifecyclePolicy(`${name}.${r.name}`, {
        repository: repo.name,
        policy: JSON.stringify({
          rules: [{
            rulePriority: 1,
            description: `keep the newest ${r.keepLast} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: r.keepLast },
            action: { type: "expire" },
          }],
        }),
      }, { parent: this });
      urls[r.name] = repo.repositoryUrl;
      arns.push(repo.arn);
    }
    this.urls = urls;
    this.arns = arns;
    this.registerOutputs({ urls, arns });
  }
}
