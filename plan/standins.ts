import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";
import { STANDIN_SEALING_CERT_PEM, standinKeyFor } from "./standin-keys";

/**
 * Offline stand-ins for the cloud: what each provider would return, faithful where it is cheap
 * (real keys and certificates, so SealedSecrets are real ciphertexts) and stable everywhere else
 * (ids, endpoints and URLs derived from names, never from clocks or randomness).
 */
export interface StandinOptions {
  /** Seal with this certificate (e.g. a live cluster's) instead of the stand-in one. */
  sealingCertPem?: string;
  /** AWS region for resources that do not name one. */
  region: string;
  /** Outputs of the stack's previous update, as its self-reference reads them (none: a first update). */
  previousOutputs?: Record<string, unknown>;
}

const ACCOUNT = "111122223333";
const hash = (s: string, n = 12) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** A value the engine would treat as secret, in the wire format the SDK understands. */
export const secretValue = (value: unknown) => ({ [pulumi.runtime.specialSigKey]: pulumi.runtime.specialSecretSig, value });

export function standinMocks(o: StandinOptions): pulumi.runtime.Mocks {
  // A stack may span regions: what is made or looked up through an explicit AWS provider is in
  // that provider's region, not the stack's default one. Provider references are `<urn>::<id>`.
  const regions = new Map<string, string>();
  const regionOf = (provider?: string) => regions.get(provider?.split("::").pop() ?? "") ?? o.region;
  return {
    newResource(args) {
      const id = args.type === "aws:ec2/vpc:Vpc" ? `vpc-${hash(args.name, 17)}` : `${args.name}-${hash(args.type + args.name, 8)}`;
      if (args.type === "pulumi:providers:aws" && typeof args.inputs.region === "string") regions.set(id, args.inputs.region);
      const state = { ...args.inputs, ...outputsFor(args.type, args.name, args.inputs, { ...o, region: regionOf(args.provider) }) };
      return { id, state };
    },
    call(args) {
      if (args.token === "aws:index/getAvailabilityZones:getAvailabilityZones") {
        const region = regionOf(args.provider);
        return { names: ["a", "b", "c"].map((z) => `${region}${z}`), zoneIds: ["1", "2", "3"].map((z) => `euw1-az${z}`) };
      }
      return args.inputs;
    },
  };
}

function outputsFor(type: string, name: string, inputs: Record<string, unknown>, o: StandinOptions): Record<string, unknown> {
  switch (type) {
    case "tls:index/privateKey:PrivateKey": {
      const k = standinKeyFor(name, String(inputs.algorithm ?? "RSA"));
      return {
        ...k,
        privateKeyPem: secretValue(k.privateKeyPem),
        privateKeyOpenssh: secretValue(k.privateKeyOpenssh),
        privateKeyPemPkcs8: secretValue(k.privateKeyPemPkcs8),
      };
    }
    case "tls:index/selfSignedCert:SelfSignedCert":
      return { certPem: o.sealingCertPem ?? STANDIN_SEALING_CERT_PEM, validityStartTime: "2026-01-01T00:00:00Z", validityEndTime: "2036-01-01T00:00:00Z" };
    case "random:index/randomPassword:RandomPassword":
      return { result: secretValue(createHash("sha256").update(`standin:${name}`).digest("hex").slice(0, Number(inputs.length ?? 32))) };
    case "eks:index:Cluster": {
      const endpoint = `https://${hash(name, 32).toUpperCase()}.gr7.${o.region}.eks.amazonaws.com`;
      const clusterName = String(inputs.name ?? name);
      return {
        kubeconfigJson: secretValue(JSON.stringify({ apiVersion: "v1", kind: "Config", clusters: [{ name: clusterName, cluster: { server: endpoint } }] })),
        core: { endpoint },
        clusterSecurityGroupId: `sg-${hash(name + "s", 17)}`,
        oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.${o.region}.amazonaws.com/id/${hash(name, 32).toUpperCase()}`,
        oidcProviderUrl: `https://oidc.eks.${o.region}.amazonaws.com/id/${hash(name, 32).toUpperCase()}`,
      };
    }
    case "aws:ecr/repository:Repository":
      return { arn: `arn:aws:ecr:${o.region}:${ACCOUNT}:repository/${inputs.name}`, repositoryUrl: `${ACCOUNT}.dkr.ecr.${o.region}.amazonaws.com/${inputs.name}` };
    case "aws:iam/role:Role":
      return { arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, name };
    case "aws:acm/certificate:Certificate": {
      // ACM validates `*.x` with the record of `x`: one option per name, the wildcard's equal to its base's.
      const names = [String(inputs.domainName), ...((inputs.subjectAlternativeNames as string[] | undefined) ?? [])];
      const record = (n: string) => `_${hash(n.replace(/^\*\./, ""), 32)}.${n.replace(/^\*\./, "")}.`;
      return {
        arn: `arn:aws:acm:${o.region}:${ACCOUNT}:certificate/${hash(name, 8)}-0000-4000-8000-${hash(name + "c", 12)}`,
        domainValidationOptions: names.map((n) => ({ domainName: n, resourceRecordName: record(n), resourceRecordType: "CNAME", resourceRecordValue: `_${hash(n + "v", 32)}.acm-validations.aws.` })),
      };
    }
    case "aws:acm/certificateValidation:CertificateValidation":
      return { certificateArn: inputs.certificateArn };
    case "aws:route53/record:Record":
      return { fqdn: String(inputs.name).replace(/\.$/, "") };
    case "aws:kms/key:Key":
      return { arn: `arn:aws:kms:${o.region}:${ACCOUNT}:key/${hash(name, 8)}-0000-4000-8000-${hash(name + "k", 12)}` };
    case "pulumi:pulumi:StackReference":
      return { outputs: o.previousOutputs ?? {}, secretOutputNames: [] };
    case "github:index/repository:Repository":
      return { name: inputs.name, fullName: `acme/${inputs.name}` };
    default:
      return {};
  }
}
