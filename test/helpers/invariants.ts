import { names, TENANT_LABEL, type K8sObject } from "../../lib/objects/meta";
import type { Built } from "./fixtures";

/**
 * The multi-tenancy invariants of a tenant's objects, each as a function returning what breaks it
 * (empty when it holds). The example-based tests in objects.test.ts and the generated ones in
 * properties.test.ts check the same functions, so a rule is written once.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export const isDnsLabel = (s: string) => s.length <= 63 && DNS1123_LABEL.test(s);
export const isDnsSubdomain = (s: string) => s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
export const isLabelValue = (s: string) => s.length <= 63 && LABEL_VALUE.test(s);

const id = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/** Every string under a key naming a namespace (`namespace`, `targetNamespace`, …), at any depth. */
export function namespaceReferences(node: unknown, at = ""): { path: string; value: string }[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => namespaceReferences(v, `${at}[${i}]`));
  if (node === null || typeof node !== "object") return [];
  return Object.entries(node as Record<string, unknown>).flatMap(([k, v]) => {
    const here = at ? `${at}.${k}` : k;
    const own = /^(namespace|targetNamespace|\w+Namespace)$/.test(k) && typeof v === "string" ? [{ path: here, value: v }] : [];
    return [...own, ...namespaceReferences(v, here)];
  });
}

export function objectsOutsideNamespace({ tenant, objects }: Built): string[] {
  return objects.flatMap((o) => {
    if (o.kind === "Namespace") return o.metadata.name === tenant.namespace && o.metadata.namespace === undefined ? [] : [`${id(o)} is not the tenant namespace ${tenant.namespace}`];
    return o.metadata.namespace === tenant.namespace ? [] : [`${id(o)} is outside ${tenant.namespace}`];
  });
}

export function foreignNamespaceReferences({ tenant, objects }: Built): string[] {
  return objects.flatMap((o) =>
    namespaceReferences(o).filter((r) => r.value !== tenant.namespace).map((r) => `${id(o)}: ${r.path} = ${r.value}`),
  );
}

/** Kinds that apply manifests to the cluster, and so must run as the tenant's reconciler. */
const APPLIERS = ["Kustomization", "HelmRelease"];

export function appliersNotImpersonating({ tenant, objects }: Built): string[] {
  const reconciler = names.reconciler(tenant.name);
  return objects
    .filter((o) => APPLIERS.includes(o.kind))
    .flatMap((o) => ((o.spec as { serviceAccountName?: string }).serviceAccountName === reconciler ? [] : [`${id(o)} does not run as ${reconciler}`]));
}

const FORBIDDEN_ROLES = ["cluster-admin", "admin", "edit"];

export function clusterWideGrants({ objects }: Built): string[] {
  return objects.flatMap((o) => {
    if (o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding") return [`${id(o)} is cluster-scoped RBAC`];
    if (o.kind !== "RoleBinding") return [];
    const ref = o.roleRef as { kind: string; name: string };
    if (ref.kind !== "Role") return [`${id(o)} binds ${ref.kind} ${ref.name}`];
    if (FORBIDDEN_ROLES.includes(ref.name)) return [`${id(o)} binds ${ref.name}`];
    return objects.some((r) => r.kind === "Role" && r.metadata.name === ref.name && r.metadata.namespace === o.metadata.namespace) ? [] : [`${id(o)} binds a Role the tenant does not define`];
  });
}

export function namespaceWithoutQuotaOrLabel({ tenant, objects }: Built): string[] {
  const ns = objects.filter((o) => o.kind === "Namespace");
  const problems: string[] = [];
  if (ns.length !== 1) problems.push(`${ns.length} Namespace objects`);
  for (const n of ns) if (n.metadata.labels?.[TENANT_LABEL] !== tenant.name) problems.push(`${id(n)} lacks ${TENANT_LABEL}=${tenant.name}`);
  const quotas = objects.filter((o) => o.kind === "ResourceQuota" && o.metadata.namespace === tenant.namespace);
  if (quotas.length !== 1) problems.push(`${quotas.length} ResourceQuotas in ${tenant.namespace}`);
  for (const q of quotas) {
    const hard = (q.spec as { hard: Record<string, string> }).hard;
    if (hard["requests.cpu"] !== tenant.quota.cpu || hard["requests.memory"] !== tenant.quota.memory) problems.push(`${id(q)} does not hold the tenant quota`);
  }
  return problems;
}

export function objectsWithoutTenantLabel({ tenant, objects }: Built): string[] {
  return objects.filter((o) => o.metadata.labels?.[TENANT_LABEL] !== tenant.name).map((o) => `${id(o)} lacks ${TENANT_LABEL}=${tenant.name}`);
}

/** Object names are DNS-1123 subdomains; a Namespace name and every label value fit in 63 characters. */
export function invalidNames({ objects }: Built): string[] {
  return objects.flatMap((o) => {
    const problems: string[] = [];
    if (!isDnsSubdomain(o.metadata.name)) problems.push(`${id(o)}: name is not a DNS-1123 subdomain`);
    if (o.kind === "Namespace" && !isDnsLabel(o.metadata.name)) problems.push(`${id(o)}: namespace name is not a DNS-1123 label`);
    if (o.metadata.namespace !== undefined && !isDnsLabel(o.metadata.namespace)) problems.push(`${id(o)}: namespace is not a DNS-1123 label`);
    for (const [k, v] of Object.entries(o.metadata.labels ?? {})) if (!isLabelValue(v)) problems.push(`${id(o)}: label ${k}=${v} is not a valid label value`);
    return problems;
  });
}

/** Every reference by name (sourceRef, secretRef, providerRef, imageRepositoryRef, roleRef) resolves inside the tenant. */
export function danglingReferences({ objects }: Built): string[] {
  const has = (kind: string, name: string) => objects.some((o) => o.kind === kind && o.metadata.name === name);
  const sealedOrSecret = (name: string) => objects.some((o) => o.kind === "SealedSecret" && o.metadata.name === name);
  return objects.flatMap((o) => {
    const spec = (o.spec ?? {}) as Record<string, { name: string; kind?: string } | undefined>;
    const refs: [string, boolean][] = [];
    if (spec.sourceRef) refs.push([`sourceRef ${spec.sourceRef.kind}/${spec.sourceRef.name}`, has(spec.sourceRef.kind ?? "", spec.sourceRef.name)]);
    if (spec.secretRef) refs.push([`secretRef ${spec.secretRef.name}`, sealedOrSecret(spec.secretRef.name)]);
    if (spec.providerRef) refs.push([`providerRef ${spec.providerRef.name}`, has("Provider", spec.providerRef.name)]);
    if (spec.imageRepositoryRef) refs.push([`imageRepositoryRef ${spec.imageRepositoryRef.name}`, has("ImageRepository", spec.imageRepositoryRef.name)]);
    return refs.filter(([, ok]) => !ok).map(([what]) => `${id(o)}: ${what} does not resolve`);
  });
}
