import { parseAllDocuments } from "yaml";
import { toYaml } from "../lib/fleet";
import { FLEET_COMMIT_TYPE } from "../lib/fleet-commit";
import type { K8sObject } from "../lib/objects/meta";
import { TENANT_LABEL } from "../lib/objects/meta";
import type { Registration } from "./recorder";

/** Kubernetes objects per cluster and per owner (`<tenant>` or `platform`), as YAML. */
export type Manifests = Record<string, Record<string, string>>;

const urnName = (urn: string) => urn.split("::").pop() ?? urn;
/** A provider reference is `<provider URN>::<id>`. */
export const providerUrn = (ref: string) => ref.slice(0, ref.lastIndexOf("::"));

/**
 * Every Kubernetes object the stack would create, whatever the delivery: objects committed to the
 * fleet repository and objects applied by a Kubernetes provider, in one canonical YAML form (keys
 * sorted, as the fleet files are written). A tenant's committed file is taken as it is.
 */
export function manifestsFrom(registrations: Registration[]): Manifests {
  // Keyed by cluster and tenant names, which are user input: Maps, never plain objects, so a
  // tenant named `constructor` or `toString` is a tenant and not Object.prototype's member.
  const objects = new Map<string, Map<string, K8sObject[]>>();
  const committed = new Map<string, Map<string, string>>();
  const inner = <V>(m: Map<string, Map<string, V>>, key: string) => m.get(key) ?? m.set(key, new Map()).get(key)!;
  const add = (cluster: string, o: K8sObject) => {
    const owner = o.metadata?.labels?.[TENANT_LABEL] ?? "platform";
    const owners = inner(objects, cluster);
    const list = owners.get(owner);
    if (list) list.push(o);
    else owners.set(owner, [o]);
  };
  const clusterOfProvider = providerClusters(registrations);
  for (const r of registrations) {
    if (r.type === FLEET_COMMIT_TYPE) {
      for (const [file, content] of Object.entries((r.inputs.files ?? {}) as Record<string, unknown>)) {
        const cluster = /^(?:tenants|infrastructure|clusters)\/([^/]+)\//.exec(file)?.[1];
        if (!cluster || file.endsWith("kustomization.yaml") || typeof content !== "string") continue;
        const tenant = /^tenants\/[^/]+\/([^/]+)\/objects\.yaml$/.exec(file)?.[1];
        if (tenant) {
          inner(committed, cluster).set(tenant, content);
          continue;
        }
        for (const doc of parseAllDocuments(content)) {
          const o = doc.toJS() as K8sObject | null;
          if (o) add(cluster, o);
        }
      }
      continue;
    }
    const ref = r.provider ?? r.providers?.kubernetes;
    const cluster = ref ? clusterOfProvider.get(providerUrn(ref)) : undefined;
    if (cluster && r.type === "kubernetes:yaml/v2:ConfigGroup") {
      for (const o of (r.inputs.objs as K8sObject[] | undefined) ?? []) add(cluster, o);
      continue;
    }
    if (!cluster || !r.custom || !r.type.startsWith("kubernetes:") || r.type.startsWith("kubernetes:helm")) continue;
    const { apiVersion, kind, metadata, ...rest } = r.inputs as K8sObject;
    add(cluster, { apiVersion, kind, metadata, ...rest });
  }
  // Object.fromEntries defines own properties, whatever the key (`__proto__` included).
  return Object.fromEntries([...new Set([...objects.keys(), ...committed.keys()])].map((cluster) => {
    const owners = new Set([...(objects.get(cluster)?.keys() ?? []), ...(committed.get(cluster)?.keys() ?? [])]);
    return [cluster, Object.fromEntries([...owners].map((owner) => {
      const own = objects.get(cluster)?.get(owner) ?? [];
      const parts = [committed.get(cluster)?.get(owner), own.length ? toYaml(own, true) : undefined].filter((p): p is string => p !== undefined);
      return [owner, parts.join("---\n")];
    }))];
  }));
}

/** Maps a Kubernetes provider's URN to the cluster component that made it. */
function providerClusters(registrations: Registration[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const r of registrations) {
    if (r.type === "pulumi:providers:kubernetes" && r.parent) map.set(r.urn, urnName(r.parent));
  }
  return map;
}
