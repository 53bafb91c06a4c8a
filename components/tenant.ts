import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { objectFolder, fleetPaths, toYaml } from "../lib/fleet";
import type { ClusterContext } from "../lib/objects/context";
import { names, type K8sObject } from "../lib/objects/meta";
import { receiverPath, usesWebhook } from "../lib/objects/notifications";
import { GITHUB } from "../lib/git-host";
import { scansEcr } from "../lib/objects/image";
import { namespace, tenantObjects } from "../lib/objects/tenant";
import type { StageTenant } from "../lib/resolve";
import { ecrReadPolicy, irsaTrust } from "../lib/iam";
import { sealData } from "../lib/sealing";
import type { DeployKey } from "./tenant-deploy-keys";

export interface TenantArgs {
  /** The tenant as it lands on this cluster's stage (overrides applied). */
  tenant: StageTenant;
  context: ClusterContext;
  /** `gitops`: the objects become fleet files (see `fleetFiles`); `direct`: apply them with the cluster's provider. */
  delivery: "gitops" | "direct";
  /** The cluster's sealing certificate and the secret that keeps sealing deterministic. */
  sealing: { certificatePem: pulumi.Input<string>; nonceKey: pulumi.Input<string> };
  /** Pulumi `protect` on the namespace (prod), unless the tenant is being decommissioned. @default false */
  protectNamespace?: boolean;
  /** Secret values some features need: Slack webhook URL, GitHub commit-status token. */
  secrets: { slackWebhook?: pulumi.Input<string>; githubStatusToken?: pulumi.Input<string> };
  /** The stage's deploy key this cluster uses (the write key where image automation runs); none when decommissioning. */
  deployKey?: DeployKey;
  /**
   * The tenant's ECR repositories, and the cluster's OIDC provider that lets the tenant's image
   * reader service account assume a role reading them; only where its image automation runs.
   */
  ecr?: { urls: Record<string, pulumi.Input<string>>; arns: pulumi.Input<string>[]; oidc: { arn: pulumi.Input<string>; url: pulumi.Input<string> } };
  /** GitHub provider for the owner of the tenant's repository (its push webhook). */
  githubProvider: github.Provider;
}

/**
 * One tenant on one cluster: the stage's deploy key sealed for the tenant namespace, a push
 * webhook where the cluster's receiver is reachable, the tenant's own ECR reader role where its
 * image automation runs, and the namespace, quota, RBAC, network policy and Flux objects from the
 * builders, as fleet files or applied directly. Named `<tenant>.<cluster>` (DNS labels hold no
 * dot, so two tenant/cluster pairs never share a name).
 */
export class Tenant extends pulumi.ComponentResource {
  declare readonly namespace: pulumi.Output<string>;
  declare readonly deployKeyFingerprint: pulumi.Output<string | undefined>;
  declare readonly readOnly: pulumi.Output<boolean>;
  declare readonly repository: pulumi.Output<string>;
  /** `gitops` delivery: the tenant's files in the fleet repository, by path. */
  readonly fleetFiles?: Record<string, pulumi.Input<string>>;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:tenant:Tenant", name, {}, opts);
    const t = args.tenant;
    const objects = t.decommission || !args.deployKey ? pulumi.output(t).apply((x): K8sObject[] => [namespace(x)]) : this.liveObjects(name, args, args.deployKey);
    if (args.delivery === "gitops") {
      this.fleetFiles = objectFolder(fleetPaths.tenantDir(args.context.cluster, t.name), objects.apply((o) => toYaml(o, true)));
    } else {
      this.apply(name, args, objects);
    }
    this.namespace = pulumi.output(t.namespace);
    this.readOnly = pulumi.output(args.deployKey?.readOnly ?? true);
    this.repository = pulumi.output(t.source.repository);
    this.deployKeyFingerprint = pulumi.output(args.deployKey?.fingerprint);
    this.registerOutputs({ namespace: this.namespace, deployKeyFingerprint: this.deployKeyFingerprint, readOnly: this.readOnly, repository: this.repository });
  }

  /** Sealed credentials, GitHub wiring and objects of a tenant that is (still) running. */
  private liveObjects(name: string, args: TenantArgs, key: DeployKey): pulumi.Output<K8sObject[]> {
    const t = args.tenant;
    const suffix = t.rotation > 0 ? `-r${t.rotation}` : "";
    const secretData: Record<string, pulumi.Input<Record<string, string>>> = {
      [names.deployKeySecret(t.name)]: pulumi.all([key.privateKeyPem, key.publicKeyOpenssh]).apply(([identity, pub]) => ({
        identity, "identity.pub": pub, known_hosts: (args.context.git ?? GITHUB).knownHosts,
      })),
    };
    const receiver = args.context.receiver;
    if (usesWebhook(t, args.context) && receiver) {
      const token = new random.RandomPassword(`${name}-webhook-token${suffix}`, { length: 40, special: false }, { parent: this });
      secretData[names.webhookSecret(t.name)] = token.result.apply((v) => ({ token: v }));
      new github.RepositoryWebhook(`${name}-webhook`, {
        repository: t.source.repository.split("/")[1],
        events: ["push"],
        active: true,
        configuration: {
          url: token.result.apply((v) => `https://${receiver.host}${receiverPath(v, t.name, t.namespace)}`),
          contentType: "json",
          secret: token.result,
          insecureSsl: false,
        },
      }, { parent: this, provider: args.githubProvider });
    }
    if (t.notifications?.slack) secretData[names.slackSecret(t.name)] = required(args.secrets.slackWebhook, "slackWebhook").apply((v) => ({ address: v }));
    if (t.notifications?.githubCommitStatus) secretData[names.githubStatusSecret(t.name)] = required(args.secrets.githubStatusToken, `githubStatusToken-${t.name}`).apply((v) => ({ token: v }));
    const readerRole = args.ecr && args.context.imageAutomation && scansEcr(t) ? this.ecrReader(name, t, args.ecr) : undefined;

    const sealed = pulumi.all([args.sealing.certificatePem, args.sealing.nonceKey, pulumi.all(secretData)]).apply(([cert, nonce, data]) =>
      Object.fromEntries(Object.entries(data).map(([secret, values]) => [secret, sealData(values, cert, { namespace: t.namespace, name: secret }, nonce)])),
    );
    // Ciphertexts are safe to show and to commit; only the controller's key opens them.
    const objects = pulumi.unsecret(pulumi.all([sealed, pulumi.all(args.ecr?.urls ?? {}), readerRole?.arn]).apply(([s, urls, roleArn]) =>
      tenantObjects(t, args.context, { sealed: s, ecrUrls: urls, ...(roleArn ? { ecrReaderRoleArn: roleArn } : {}) })));
    return objects as pulumi.Output<K8sObject[]>;
  }

  private apply(name: string, args: TenantArgs, objects: pulumi.Output<K8sObject[]>): void {
    const t = args.tenant;
    // A namespace outlives its Pulumi resource unless the tenant was decommissioned first.
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: namespace(t).metadata }, {
      parent: this,
      retainOnDelete: !t.decommission,
      protect: (args.protectNamespace ?? false) && !t.decommission,
    });
    if (t.decommission) return;
    new k8s.yaml.v2.ConfigGroup(`${name}-objects`, { objs: objects.apply((o) => o.filter((x) => x.kind !== "Namespace")) }, { parent: this, dependsOn: [ns] });
  }

  /**
   * Flux object-level workload identity: the image-reflector-controller reads this tenant's ECR
   * repositories as the tenant's own image reader service account, through a role only that
   * service account (on this cluster's OIDC provider) may assume, allowed to read only these
   * repositories. One small role per tenant instead of one policy per tenant on a shared role,
   * which hit IAM's 10,240-character limit near 37 tenants.
   */
  private ecrReader(name: string, t: StageTenant, ecr: NonNullable<TenantArgs["ecr"]>): aws.iam.Role {
    const role = new aws.iam.Role(`${name}-ecr-reader`, {
      namePrefix: "flux-ecr-reader-",
      description: `Flux reads the ECR repositories of tenant ${t.name} (${t.namespace}/${names.imageReader(t.name)})`,
      assumeRolePolicy: pulumi.all([ecr.oidc.arn, ecr.oidc.url]).apply(([arn, url]) => irsaTrust(arn, url, t.namespace, names.imageReader(t.name))),
      tags: { tenant: t.name },
    }, { parent: this });
    new aws.iam.RolePolicy(`${name}-ecr-read`, {
      role: role.name,
      policy: pulumi.all(ecr.arns).apply((arns) => ecrReadPolicy(arns)),
    }, { parent: this });
    return role;
  }
}

function required(value: pulumi.Input<string> | undefined, what: string): pulumi.Output<string> {
  if (value === undefined) throw new Error(`missing ${what}; the program checks secrets before it builds tenants`);
  return pulumi.output(value);
}
