import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import type { StageTenant } from "../lib/resolve";

export interface TenantDeployKeysArgs {
  /** The tenant as it lands on the stage. */
  tenant: StageTenant;
  /** A read-only key for the stage's clusters that do not run this tenant's image automation. */
  read: boolean;
  /** A write key for the one cluster that runs the tenant's image automation (`platform:imageAutomationCluster`). */
  write?: { cluster: string };
  /** GitHub provider for the owner of the tenant's repository. */
  githubProvider: github.Provider;
}

/** A key pair and its registration as a deploy key on the tenant's repository. */
export interface DeployKey {
  privateKeyPem: pulumi.Output<string>;
  publicKeyOpenssh: pulumi.Output<string>;
  fingerprint: pulumi.Output<string>;
  readOnly: boolean;
}

/**
 * A tenant's deploy keys for one stage: the stage's clusters share one read-only key (each seals it
 * with its own sealing key), and only the cluster that runs image automation holds a write key.
 * One key per stage instead of one per cluster keeps first `up`s within GitHub's write limits.
 * Named after the tenant.
 */
export class TenantDeployKeys extends pulumi.ComponentResource {
  readonly read?: DeployKey;
  readonly write?: DeployKey;

  constructor(name: string, args: TenantDeployKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:tenant:TenantDeployKeys", name, {}, opts);
    if (args.read) this.read = this.key(name, "read", `flux ${args.tenant.stage}/${args.tenant.namespace}`, true, args);
    if (args.write) this.write = this.key(name, "write", `flux ${args.tenant.stage}/${args.tenant.namespace} image automation on ${args.write.cluster}`, false, args);
    this.registerOutputs({ read: this.read?.fingerprint, write: this.write?.fingerprint });
  }

  private key(name: string, role: "read" | "write", title: string, readOnly: boolean, args: TenantDeployKeysArgs): DeployKey {
    const t = args.tenant;
    const suffix = t.rotation > 0 ? `-r${t.rotation}` : "";
    const key = new tls.PrivateKey(`${name}-${role}-key${suffix}`, { algorithm: "ED25519" }, { parent: this });
    new github.RepositoryDeployKey(`${name}-${role}-deploy-key${suffix}`, {
      repository: t.source.repository.split("/")[1],
      title: `${title}${suffix}`,
      key: key.publicKeyOpenssh,
      readOnly,
      // GitHub refuses a second key with the same public half: rotation, a read-only/write flip or
      // a new title replace the key, so the old one must go first.
    }, { parent: this, provider: args.githubProvider, deleteBeforeReplace: true });
    return { privateKeyPem: key.privateKeyPem, publicKeyOpenssh: key.publicKeyOpenssh, fingerprint: key.publicKeyFingerprintSha256, readOnly };
  }
}
