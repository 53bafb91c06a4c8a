import { dump } from "js-yaml";
import { createHash } from "node:crypto";
import type { K8sObject } from "./objects/meta";

/**
 * Where things live in the fleet repository (see STYLE.md): `clusters/<cluster>/` entry points
 * only, `infrastructure/<cluster>/` cluster-wide pieces, `tenants/<cluster>/<tenant>/` one folder
 * per tenant with its own `kustomization.yaml`.
 */
export const fleetPaths = {
  entryPoints: (cluster: string) => `clusters/${cluster}/platform.yaml`,
  infrastructureDir: (cluster: string) => `infrastructure/${cluster}`,
  addonsDir: (cluster: string) => `infrastructure/${cluster}/addons`,
  tenantsDir: (cluster: string) => `tenants/${cluster}`,
  tenantDir: (cluster: string, tenant: string) => `tenants/${cluster}/${tenant}`,
};

/**
 * Objects as one multi-document YAML file, in the order given; stable for stable input.
 * `sortKeys` gives one canonical form whatever path the objects took (the Pulumi engine sorts keys).
 */
export function toYaml(objects: K8sObject[], sortKeys = false): string {
  return objects.map((o) => objectYaml(o, sortKeys)).join("---\n");
}

/**
 * Documents already emitted, by a digest of the object's JSON and the key order. Most of a
 * tenant's objects are the same on each of a stage's clusters (quota, RBAC, Flux sources...), and
 * emitting them is the larger part of a plan's YAML time. Objects are plain JSON data, and
 * js-yaml treats an `undefined` as JSON does (a mapping drops it, a sequence writes null), so
 * equal JSON means an equal document.
 */
const documents = new Map<string, string>();

function objectYaml(o: K8sObject, sortKeys: boolean): string {
  const id = createHash("sha256").update(JSON.stringify(o)).digest("base64") + (sortKeys ? "s" : "");
  let doc = documents.get(id);
  if (doc === undefined) {
    // js-yaml's emitter: a few times faster than `yaml`'s, which matters at a thousand tenants.
    doc = dump(o, { lineWidth: -1, noRefs: true, sortKeys });
    documents.set(id, doc);
  }
  return doc;
}

export function kustomizationFile(resources: string[]): string {
  return dump({ apiVersion: "kustomize.config.k8s.io/v1beta1", kind: "Kustomization", resources }, { lineWidth: -1 });
}

/** A folder holding `objects.yaml` and the `kustomization.yaml` that lists it. */
export function objectFolder<T>(dir: string, objects: T): Record<string, T | string> {
  return { [`${dir}/kustomization.yaml`]: kustomizationFile(["objects.yaml"]), [`${dir}/objects.yaml`]: objects };
}

/** `tenants/<cluster>/kustomization.yaml`, listing every tenant folder of that cluster. */
export function tenantsIndex(cluster: string, tenants: string[]): Record<string, string> {
  return { [`${fleetPaths.tenantsDir(cluster)}/kustomization.yaml`]: kustomizationFile([...tenants].sort()) };
}
