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
/** Pod annotation with a hash of the installed sealing certificates; a change restarts the controller. */
export const SEALING_CERTIFICATES_ANNOTATION = "platform.eks-gitops.io/sealing-certificates";

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
    const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: args.namespace, labels: { [MANAGED_BY_LABEL]: MANAGED_BY } } }, { parent: this });
    // After a rotation the previous key stays installed: SealedSecrets already in the cluster (or
    // in Git, not yet re-applied by Flux) were sealed for it. The program re-seals everything with
    // the new key in the same update, so the key before the previous one can go.
    const generations = args.rotation > 0 ? [args.rotation - 1, args.rotation] : [0];
    const keys = generations.map((g) => this.sealingKey(name, g, ns));
    const current = keys[keys.length - 1];
    // The controller reads its keys only when it starts: a new set of certificates restarts it.
    const certificates = pulumi.all(keys.map((k) => k.certPem)).apply((pems) => createHash("sha256").update(pems.join("")).digest("hex"));
    this.chart = new k8s.helm.v4.Chart(`${name}-chart`, {
      chart: "sealed-secrets",
      version: args.chartVersion,
      namespace: args.namespace,
      repositoryOpts: { repo: "https://bitnami-labs.github.io/sealed-secrets" },
      values: {
        fullnameOverride: "sealed-secrets-controller",
        image: { tag: args.controllerVersion },
        // "0" turns periodic key renewal off: the program's keys stay the only keys.
        keyrenewperiod: "0",
        podAnnotations: { [SEALING_CERTIFICATES_ANNOTATION]: certificates },
      },
    }, { parent: this, dependsOn: keys.map((k) => k.secret) });
    this.certificatePem = current.certPem;
    this.nonceKey = pulumi.secret(current.privateKeyPem.apply((pem) => createHash("sha256").update(pem).digest("hex")));
    this.registerOutputs({ certificatePem: this.certificatePem, nonceKey: this.nonceKey, chart: this.chart });
  }

  /** One generation of the sealing key: the key, its certificate, and the Secret the controller reads. */
  private sealingKey(name: string, generation: number, ns: k8s.core.v1.Namespace) {
    const parent = { parent: this };
    const suffix = generation > 0 ? `-r${generation}` : "";
    const key = new tls.PrivateKey(`${name}-key${suffix}`, { algorithm: "RSA", rsaBits: 4096 }, parent);
    const cert = new tls.SelfSignedCert(`${name}-cert${suffix}`, {
      privateKeyPem: key.privateKeyPem,
      subject: { commonName: "sealed-secret", organization: "sealed-secret" },
      validityPeriodHours: CERT_VALIDITY_HOURS,
      allowedUses: ["key_encipherment", "digital_signature", "cert_signing"],
      isCaCertificate: false,
    }, parent);
    const secret = new k8s.core.v1.Secret(`${name}-key-secret${suffix}`, {
      metadata: {
        name: `sealed-secrets-key-r${generation}`,
        namespace: ns.metadata.name,
        labels: { [SEALING_KEY_LABEL]: "active", [MANAGED_BY_LABEL]: MANAGED_BY },
      },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem },
    }, { ...parent, ...(generation === 0 ? { aliases: [{ name: `${name}-active-key` }] } : {}) });
    return { certPem: cert.certPem, privateKeyPem: key.privateKeyPem, secret };
  }
}
