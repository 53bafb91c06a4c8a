import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { createHash } from "node:crypto";
import { MANAGED_BY, MANAGED_BY_LABEL } from "../lib/objects/meta";

export interface SealedSecretsControllerArgs {
  /** Namespace of the controller; tenants may not use it. */
  namespace: string;
  /** Version of the `sealed-secrets` Helm chart. */
  chartVersion: string;
  /** Controller release the chart runs (image tag), pinned so the chart and the tested controller agree. */
  controllerVersion: string;
  /** Bump to replace the sealing key (and re-seal every SealedSecret the program renders). @default 0 */
  rotation: number;
}

/** Ten years: the key is rotated deliberately (the `rotation` counter), never by expiry. */
const CERT_VALIDITY_HOURS = 10 * 365 * 24;
export const SEALING_KEY_LABEL = "sealedsecrets.bitnami.com/sealed-secrets-key";

/**
 * The Sealed Secrets controller with a sealing key the program owns. The controller's own key
 * renewal is off, so a rebuilt cluster gets the same key from Pulumi state and can open every
 * SealedSecret already in Git: disaster recovery without a key backup ritual.
 */
export class SealedSecretsController extends pulumi.ComponentResource {
  /** Public: what `kubeseal --cert` needs. */
  declare readonly certificatePem: pulumi.Output<string>;
  /** Secret: keys the derivation of sealing randomness, so sealing is stable but not guessable. */
  declare readonly nonceKey: pulumi.Output<string>;
  declare readonly chart: k8s.helm.v4.Chart;

  constructor(name: string, args: SealedSecretsControllerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("platform:sealing:SealedSecretsController", name, {}, opts);
    const parent = { parent: this };
    const suffix = args.rotation > 0 ? `-r${args.rotation}` : "";
    const key = new tls.PrivateKey(`${name}-key${suffix}`, { algorithm: "RSA", rsaBits: 4096 }, parent);
    const cert = new tls.SelfSignedCert(`${name}-cert${suffix}`, {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "sealed-secret", organization: "sealed-secret" },
      validityPeriodHours: CERT_VALIDITY_HOURS,
      allowedUses: ["key_encipherment", "digital_signature", "cert_signing"],
      isCaCertificate: false,
    }, parent);
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: args.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } }, parent);
    const keySecret = new k8s.core.v1.Secret(`${name}-active-key`, {
      metadata: {
        name: `sealed-secrets-key${suffix || "-r0"}`,
        namespace: ns.metadata.name,
        labels: { [SEALING_KEY_LABEL]: "active", [MANAGED_BY_LABEL]: MANAGED_BY },
      },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem },
    }, parent);
    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: "sealed-secrets",
      version: args.chartVersion,
      namespace: args.namespace,
      repositoryOpts: { repo: "https://bitnami-labs.github.io/sealed-secrets" },
      values: {
        fullnameOverride: "sealed-secrets-controller",
        image: { tag: args.controllerVersion },
        // "0" turns periodic key renewal off: the program's key stays the only active key.
        keyrenewperiod: "0",
      },
    }, { parent: this, dependsOn: [keySecret] });
    this.certificatePem = cert.certPem;
    this.nonceKey = pulumi.secret(key.privateKeyPem.apply((pem) => createHash("sha256").update(pem).digest("hex")));
    this.registerOutputs({ certificatePem: this.certificatePem, nonceKey: this.nonceKey, chart: this.chart });
  }
}
