import { parseAllDocuments } from "yaml";
import * as sealing from "../../lib/sealing";
import type { K8sObject } from "../../lib/objects/meta";
import { manifestsFrom } from "../../plan/manifests";
import { runProgram } from "../../plan/run";

/** The objects one offline plan puts on one cluster, and what it sealed into each SealedSecret. */
export interface ClusterPlan {
  stack: string;
  delivery: "gitops" | "direct";
  cluster: string;
  objects: K8sObject[];
  /** `<namespace>/<name>` of each SealedSecret → the plain values the program sealed into it. */
  sealed: Map<string, Record<string, string>>;
}

type SealData = typeof sealing.sealData;

/**
 * Runs the very program `pulumi up` runs, offline (plan/run.ts), with secrets kept in plain text
 * in memory so the objects can be applied to the local API server, and records what the program
 * hands to `sealData` (the values a SealedSecret must open to).
 */
export async function planObjects(stack: string, delivery: "gitops" | "direct", sealingCertPem?: string): Promise<ClusterPlan[]> {
  // Keyed by ciphertext: the clusters of a stage share namespace and Secret names, not ciphertexts.
  const plain = new Map<string, Record<string, string>>();
  const exports = sealing as unknown as { sealData: SealData };
  const original = exports.sealData;
  exports.sealData = (values, cert, target, nonce) => {
    const out = original(values, cert, target, nonce);
    plain.set(JSON.stringify(out), { ...values });
    return out;
  };
  let registrations;
  try {
    ({ registrations } = await runProgram({ stack, config: { "platform:delivery": delivery }, revealSecrets: true, sealingCertPem }));
  } finally {
    exports.sealData = original;
  }
  const manifests = manifestsFrom(registrations);
  return Object.entries(manifests).map(([cluster, owners]) => {
    const objects = Object.values(owners).flatMap((yaml) => parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject).filter(Boolean));
    const sealed = new Map<string, Record<string, string>>();
    for (const o of objects.filter((x) => x.kind === "SealedSecret")) {
      const values = plain.get(JSON.stringify((o.spec as { encryptedData: Record<string, string> }).encryptedData));
      if (values) sealed.set(`${o.metadata.namespace}/${o.metadata.name}`, values);
    }
    return { stack, delivery, cluster, objects, sealed };
  });
}

/** Cluster-scoped and namespace objects first, then everything that lives in a namespace. */
export function platformFirst(objects: K8sObject[]): [K8sObject[], K8sObject[]] {
  const first = objects.filter((o) => o.kind === "Namespace" || o.kind === "ValidatingAdmissionPolicy" || o.kind === "ValidatingAdmissionPolicyBinding");
  return [first, objects.filter((o) => !first.includes(o))];
}
