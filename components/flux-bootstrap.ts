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
  /** Install the image controllers: this is the stage's image-automation cluster and some tenant uses it. */
  imageAutomation: boolean;
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
      type: "Opaque",
      stringData: { identity: key.privateKeyPem, "identity.pub": key.publicKeyOpenssh, known_hosts: args.git.knownHosts },
    }, parent);
    const operator = new k8s.helm.v4.Chart(`${name}-operator`, {
      chart: FLUX_OPERATOR_CHART,
      version: args.flux.operatorChartVersion,
      namespace: FLUX_NAMESPACE,
    }, { parent: this, dependsOn: [ns] });
    const desired = fluxInstance({
      cluster: args.cluster,
      flux: args.flux,
      fleet: args.fleet,
      imageAutomation: args.imageAutomation,
      fleetSecretName: FLEET_SECRET,
      git: args.git,
    });
    this.instance = new k8s.apiextensions.CustomResource(`${name}-instance`, {
      apiVersion: desired.apiVersion,
      kind: desired.kind,
      // Tenant objects need the CRDs Flux installs: Pulumi waits until the instance reports Ready.
      metadata: { ...desired.metadata, annotations: { ...desired.metadata.annotations, "pulumi.com/waitFor": "condition=Ready" } },
      spec: desired.spec,
    }, { parent: this, dependsOn: [operator, secret] });
    this.deployKeyFingerprint = key.publicKeyFingerprintSha256;
    this.registerOutputs({ deployKeyFingerprint: this.deployKeyFingerprint, instance: this.instance });
  }
}
