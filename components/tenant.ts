import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { objectFolder, fleetPaths, toYaml } from "../lib/fleet";
import type { ClusterContext } from "../lib/objects/context";
import { names, type K8sObject } from "../lib/objects/meta";
import { receiverPath, usesWebhook } from "../lib/objects/notifications";
import { GITHUB } from "../lib/git-host";
import { namespace, tenantObjects } from "../lib/objects/tenant";
import { needsWriteAccess, type StageTenant } from "../lib/resolve";
import { sealData } from "../lib/sealing";

export interface TenantArgs {
  /** The tenant as it lands on this cluster's stage (overrides applied). */
  tenant: StageTenant;
  context: ClusterContext;
  /** `gitops`: commit the objects to the fleet repository; `direct`: apply them with the cluster's provider. */
  delivery: "gitops" | "direct";
  /** The cluster's sealing certificate and the secret that keeps sealing deterministic. */
  sealing: { certificatePem: pulumi.Input<string>; nonceKey: pulumi.Input<string> };
  /** Fleet repository (name without owner), branch, and the GitHub provider of its owner, for `gitops` delivery. */
  fleet: { repositoryName: pulumi.Input<string>; branch: string; provider: github.Provider };
  /** Pulumi `protect` on the namespace (prod), unless the tenant is being decommissioned. @default false */
  protectNamespace?: boolean;
  /** Secret values some features need: Slack webhook URL, GitHub commit-status token. */
  secrets: { slackWebhook?: pulumi.Input<string>; githubStatusToken?: pulumi.Input<string> };
  /** The tenant's ECR repositories and the image-reflector role that gets read access to them. */
  ecr?: { urls: Record<string, pulumi.Input<string>>; arns: pulumi.Input<string>[]; readerRoleName: pulumi.Input<string> };
  /** GitHub provider for the owner of the tenant's repository. */
  githubProvider: github.Provider;
}

/**
 * One tenant on one cluster: its deploy key (read-only unless image automation pushes), the
 * private half sealed for the tenant namespace, a push webhook, and the namespace, quota, RBAC,
 * network policy and Flux objects from the builders, delivered through Git or applied directly.
 * Named `<tenant>-<cluster>`.
 */
export class Tenant extends pulumi.ComponentResource {
  declare readonly namespace: pulumi.Output<string>;
  declare readonly deployKeyFingerprint: pulumi.Output<string | undefined>;
  declare readonly readOnly: pulumi.Output<boolean>;
  declare readonly repository: pulumi.Output<string>;

  constructor(name: string, args: TenantArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:tenant:Tenant", name, {}, opts);
    const t = args.tenant;
    const live = t.decommission ? undefined : this.liveTenant(name, args);
    const objects: pulumi.Output<K8sObject[]> = live ? live.objects : pulumi.output(t).apply((x): K8sObject[] => [namespace(x)]);
    this.deliver(name, args, objects);
    this.namespace = pulumi.output(t.namespace);
    this.readOnly = pulumi.output(!needsWriteAccess(t));
    this.repository = pulumi.output(t.source.repository);
    this.deployKeyFingerprint = pulumi.output(live?.fingerprint);
    this.registerOutputs({ namespace: this.namespace, deployKeyFingerprint: this.deployKeyFingerprint, readOnly: this.readOnly, repository: this.repository });
  }

  /** Keys, GitHub wiring and sealed credentials of a tenant that is (still) running. */
  private liveTenant(name: string, args: TenantArgs): { objects: pulumi.Output<K8sObject[]>; fingerprint: pulumi.Output<string> } {
    const t = args.tenant;
    const gh = { parent: this, provider: args.githubProvider };
    const repo = t.source.repository.split("/")[1];
    const suffix = t.rotation > 0 ? `-r${t.rotation}` : "";
    const key = new tls.PrivateKey(`${name}-key${suffix}`, { algorithm: "ED25519" }, { parent: this });
    new github.RepositoryDeployKey(`${name}-deploy-key${suffix}`, {
      repository: repo,
      title: `flux ${args.context.cluster}/${t.namespace}${suffix}`,
      key: key.publicKeyOpenssh,
      readOnly: !needsWriteAccess(t),
      // GitHub refuses a second key with the same public half: rotation, a read-only/write flip or
      // a new title replace the key, so the old one must go first.
    }, { ...gh, deleteBeforeReplace: true });
    const secretData: Record<string, pulumi.Input<Record<string, string>>> = {
      [names.deployKeySecret(t.name)]: pulumi.all([key.privateKeyPem, key.publicKeyOpenssh]).apply(([identity, pub]) => ({
        identity, "identity.pub": pub, known_hosts: (args.context.git ?? GITHUB).knownHosts,
      })),
    };
    if (usesWebhook(t, args.context)) {
      const token = new random.RandomPassword(`${name}-webhook-token${suffix}`, { length: 40, special: false }, { parent: this });
      secretData[names.webhookSecret(t.name)] = token.result.apply((v) => ({ token: v }));
      new github.RepositoryWebhook(`${name}-webhook`, {
        repository: repo,
        events: ["push"],
        active: true,
        configuration: {
          url: token.result.apply((v) => `https://${args.context.receiverHost}${receiverPath(v, t.name, t.namespace)}`),
          contentType: "json",
          secret: token.result,
          insecureSsl: false,
        },
      }, gh);
    }
    if (t.notifications?.slack) secretData[names.slackSecret(t.name)] = required(args.secrets.slackWebhook, "slackWebhook").apply((v) => ({ address: v }));
    if (t.notifications?.githubCommitStatus) secretData[names.githubStatusSecret(t.name)] = required(args.secrets.githubStatusToken, `githubStatusToken-${t.name}`).apply((v) => ({ token: v }));
    if (args.ecr && args.ecr.arns.length > 0) this.ecrReadPolicy(name, args.ecr);

    const sealed = pulumi.all([args.sealing.certificatePem, args.sealing.nonceKey, pulumi.all(secretData)]).apply(([cert, nonce, data]) =>
      Object.fromEntries(Object.entries(data).map(([secret, values]) => [secret, sealData(values, cert, { namespace: t.namespace, name: secret }, nonce)])),
    );
    const ecrUrls = pulumi.all(args.ecr?.urls ?? {});
    // Ciphertexts are safe to show and to commit; only the controller's key opens them.
    const objects = pulumi.unsecret(pulumi.all([sealed, ecrUrls]).apply(([s, urls]) => tenantObjects(t, args.context, { sealed: s, ecrUrls: urls })));
    return { objects: objects as pulumi.Output<K8sObject[]>, fingerprint: key.publicKeyFingerprintSha256 };
  }

  private deliver(name: string, args: TenantArgs, objects: pulumi.Output<K8sObject[]>): void {
    const t = args.tenant;
    if (args.delivery === "gitops") {
      const files = objectFolder(fleetPaths.tenantDir(args.context.cluster, t.name), objects.apply((o) => toYaml(o, true)));
      for (const [path, content] of Object.entries(files)) {
        new github.RepositoryFile(`${name}-${path.slice(path.lastIndexOf("/") + 1, -".yaml".length)}`, {
          repository: args.fleet.repositoryName,
          branch: args.fleet.branch,
          file: path,
          content,
          commitMessage: `tenant ${t.name}: update ${path}`,
          overwriteOnCreate: true,
        }, { parent: this, provider: args.fleet.provider });
      }
      return;
    }
    // A namespace outlives its Pulumi resource unless the tenant was decommissioned first.
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: namespace(t).metadata }, {
      parent: this,
      retainOnDelete: !t.decommission,
      protect: (args.protectNamespace ?? false) && !t.decommission,
    });
    if (t.decommission) return;
    new k8s.yaml.v2.ConfigGroup(`${name}-objects`, { objs: objects.apply((o) => o.filter((x) => x.kind !== "Namespace")) }, { parent: this, dependsOn: [ns] });
  }

  /** Least privilege: the reader role may pull from this tenant's repositories and nothing else. */
  private ecrReadPolicy(name: string, ecr: NonNullable<TenantArgs["ecr"]>): void {
    new aws.iam.RolePolicy(`${name}-ecr-read`, {
      role: ecr.readerRoleName,
      policy: pulumi.all(ecr.arns).apply((arns) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: [...arns].sort() },
        ],
      })),
    }, { parent: this });
  }
}

function required(value: pulumi.Input<string> | undefined, what: string): pulumi.Output<string> {
  if (value === undefined) throw new Error(`missing ${what}; the program checks secrets before it builds tenants`);
  return pulumi.output(value);
}
