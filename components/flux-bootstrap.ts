import * as aws from "@pulumi/aws";
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { FLUX_NAMESPACE, MANAGED_BY, MANAGED_BY_LABEL } from "../lib/objects/meta";
import { fluxInstance } from "../lib/objects/platform";
import type { GitHost } from "../lib/git-host";
import type { StackConfig } from "../lib/stack-schema";

export interface FluxBootstrapArgs {
  /** Cluster name; Flux syncs `clusters/<cluster>` of the fleet repository. */
  cluster: string;
  flux: StackConfig["flux"];
  fleet: StackConfig["fleet"];
  /** The Git host of the fleet repository: its clone URL and the SSH host keys Flux trusts. */
  git: GitHost;
  /** Name of the fleet repository (without owner), once it exists. */
  fleetRepositoryName: pulumi.Input<string>;
  /** Install the image controllers: some tenant on this cluster uses image automation. */
  imageAutomation: boolean;
  /** Give the image-reflector-controller an IAM role to read ECR; needs the cluster's OIDC provider. */
  ecrAccess?: { oidcArn: pulumi.Input<string>; oidcUrl: pulumi.Input<string> };
}

export const FLEET_SECRET = "flux-system";
export const FLUX_OPERATOR_CHART = "oci://ghcr.io/controlplaneio-fluxcd/charts/flux-operator";

/**
 * Flux as its maintainers recommend for infrastructure as code: the Flux Operator chart and a
 * FluxInstance, locked down for multi-tenancy, syncing the fleet repository through a deploy key
 * the program owns (bump `fleet.rotation` to replace it; nothing to do by hand).
 */
export class FluxBootstrap extends pulumi.ComponentResource {
  /** Public half of the fleet deploy key, as registered on GitHub. */
  declare readonly deployKeyFingerprint: pulumi.Output<string>;
  /** The FluxInstance; tenant custom resources depend on it (their CRDs come with it). */
  declare readonly instance: k8s.apiextensions.CustomResource;
  declare readonly imageReflectorRoleName?: pulumi.Output<string>;

  constructor(name: string, args: FluxBootstrapArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:flux:FluxBootstrap", name, {}, opts);
    const parent = { parent: this };
    const suffix = args.fleet.rotation > 0 ? `-r${args.fleet.rotation}` : "";
    const key = new tls.PrivateKey(`${name}-fleet-key${suffix}`, { algorithm: "ED25519" }, parent);
    new github.RepositoryDeployKey(`${name}-fleet-deploy-key${suffix}`, {
      repository: args.fleetRepositoryName,
      title: `flux ${args.cluster}${suffix}`,
      key: key.publicKeyOpenssh,
      readOnly: true,
    }, { ...parent, deleteBeforeReplace: true }); // GitHub refuses the same public key twice
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: FLUX_NAMESPACE, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } }, parent);
    const secret = new k8s.core.v1.Secret(`${name}-fleet-secret`, {
      metadata: { name: FLEET_SECRET, namespace: ns.metadata.name, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } },
      stringData: { identity: key.privateKeyPem, "identity.pub": key.publicKeyOpenssh, known_hosts: args.git.knownHosts },
    }, parent);
    const operator = new k8s.helm.v4.Chart(`${name}-operator`, {
      chart: FLUX_OPERATOR_CHART,
      version: args.flux.operatorChartVersion,
      namespace: FLUX_NAMESPACE,
    }, { parent: this, dependsOn: [ns] });
    const role = args.ecrAccess ? this.imageReflectorRole(name, args.ecrAccess) : undefined;
    const spec = (roleArn?: string) => fluxInstance({
      cluster: args.cluster,
      flux: args.flux,
      fleet: args.fleet,
      imageAutomation: args.imageAutomation,
      imageReflectorRoleArn: roleArn,
      fleetSecretName: FLEET_SECRET,
      git: args.git,
    });
    const plain = spec();
    this.instance = new k8s.apiextensions.CustomResource(`${name}-instance`, {
      apiVersion: plain.apiVersion,
      kind: plain.kind,
      // Tenant objects need the CRDs Flux installs: Pulumi waits until the instance reports Ready.
      metadata: { ...plain.metadata, annotations: { ...plain.metadata.annotations, "pulumi.com/waitFor": "condition=Ready" } },
      spec: role ? role.arn.apply((arn) => spec(arn).spec) : plain.spec,
    }, { parent: this, dependsOn: [operator, secret] });
    this.deployKeyFingerprint = key.publicKeyFingerprintSha256;
    this.imageReflectorRoleName = role?.name;
    this.registerOutputs({ deployKeyFingerprint: this.deployKeyFingerprint, instance: this.instance, imageReflectorRoleName: this.imageReflectorRoleName });
  }

  /** IRSA: only the image-reflector-controller's service account can assume this role. */
  private imageReflectorRole(name: string, oidc: { oidcArn: pulumi.Input<string>; oidcUrl: pulumi.Input<string> }): aws.iam.Role {
    const subject = `system:serviceaccount:${FLUX_NAMESPACE}:image-reflector-controller`;
    const role = new aws.iam.Role(`${name}-image-reflector`, {
      description: "Flux image-reflector-controller reads tenant ECR repositories",
      assumeRolePolicy: pulumi.all([oidc.oidcArn, oidc.oidcUrl]).apply(([arn, url]) => JSON.stringify({
        Version: "2012-10-17",
        Statement: [{
          Effect: "Allow",
          Principal: { Federated: arn },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${url.replace(/^https:\/\//, "")}:sub`]: subject, [`${url.replace(/^https:\/\//, "")}:aud`]: "sts.amazonaws.com" } },
        }],
      })),
    }, { parent: this });
    // Logging in to ECR cannot be scoped to a repository; reading images is granted per tenant.
    new aws.iam.RolePolicy(`${name}-ecr-login`, {
      role: role.name,
      policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" }] }),
    }, { parent: this });
    return role;
  }
}
