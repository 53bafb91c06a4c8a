import type { Problem } from "./errors";
import { tenantsOnStage } from "./project";
import { CONFIG_NAMESPACE } from "./stack-rules";
import { resolveForStage, type StageTenant } from "./resolve";
import { imageAutomationCluster, isExisting, type StackConfig } from "./stack-schema";
import type { Tenant } from "./tenants";

/**
 * Rules that tie tenant files to one stack: where image automation runs and which host names a
 * tenant may serve. Problems stop the plan; notes are printed in the plan summary.
 */

const onStage = (tenants: Tenant[], stage: string) => tenantsOnStage(tenants, stage).filter((t) => !t.decommission);

/** The image-automation cluster exists, and scanning ECR there needs IRSA (an EKS cluster of this program). */
export function checkImageAutomation(stack: StackConfig, stackFile: string, tenants: Tenant[]): Problem[] {
  const name = imageAutomationCluster(stack);
  const cluster = stack.clusters.find((c) => c.name === name);
  if (!cluster) {
    return [{ file: stackFile, field: `${CONFIG_NAMESPACE}:imageAutomationCluster`, value: name, message: `is not a cluster of this stack; choose one of ${stack.clusters.map((c) => c.name).join(", ")}` }];
  }
  if (!isExisting(cluster)) return [];
  return onStage(tenants, stack.stage).flatMap((t) =>
    (t.imageAutomation?.images ?? []).flatMap((img, i) => img.ecr
      ? [{ file: t.file, field: `imageAutomation.images[${i}].ecr`, value: img.ecr, message: `ECR scanning needs an EKS cluster (IRSA), but ${name}, where stage ${stack.stage} runs image automation, is an existing cluster; use "image:" with a registry it can reach` }]
      : []),
  );
}

/**
 * A receiver on the program's certificate (`tls: { managed: true }`) needs an EKS cluster of this
 * program (the certificate and the load balancer controller are its add-ons) and a host in one
 * of the stage's DNS zones (where the certificate is validated and ExternalDNS writes its record).
 */
export function checkReceivers(stack: StackConfig, stackFile: string): Problem[] {
  const zones = stack.dns?.zones ?? [];
  return stack.clusters.flatMap((c, i) => {
    if (!c.receiver || !("managed" in c.receiver.tls)) return [];
    const field = `${CONFIG_NAMESPACE}:clusters[${i}].receiver`;
    if (isExisting(c)) return [{ file: stackFile, field: `${field}.tls`, message: "the managed certificate is an add-on of the EKS clusters this program makes; for an existing cluster give { secretName } or { certificateArn }" }];
    if (zones.length === 0) return [{ file: stackFile, field: `${field}.tls`, message: `a managed certificate needs the stage's DNS zones; declare ${CONFIG_NAMESPACE}:dns.zones, or give { secretName } or { certificateArn }` }];
    const host = c.receiver.host;
    if (!zones.some((z) => host.endsWith(`.${z.domain}`))) {
      return [{ file: stackFile, field: `${field}.host`, value: host, message: `is in none of the DNS zones (${zones.map((z) => z.domain).join(", ")}), so no certificate can be validated for it; choose a host under one of them` }];
    }
    return [];
  });
}

/** Whether `host` (or, for `*.x`, every name it allows) lies under `domain`. */
function underDomain(host: string, domain: string): boolean {
  const bare = host.startsWith("*.") ? host.slice(2) : host;
  return bare === domain || bare.endsWith(`.${domain}`);
}

/**
 * Ingress hosts: under a domain the stack allows, and each claimed by one tenant only (two teams
 * serving one host would take each other's traffic). `*.x` overlaps every host under x.
 */
export function checkHosts(stack: StackConfig, stackFile: string, tenants: Tenant[]): Problem[] {
  const problems: Problem[] = [];
  const claims: { host: string; tenant: Tenant; field: string }[] = [];
  for (const t of onStage(tenants, stack.stage)) {
    const hosts = resolveForStage(t, stack.stage).hosts;
    t.hosts.forEach((pattern, i) => {
      const host = hosts[i];
      const field = `hosts[${i}]`;
      if (!stack.tenantDomains.some((d) => underDomain(host, d))) {
        const allowed = stack.tenantDomains.length ? `one of ${stack.tenantDomains.join(", ")}` : "no domain yet";
        problems.push({ file: t.file, field, value: pattern, message: `${host} is not under a domain stage ${stack.stage} gives tenants (${allowed}); use a host under it, or ask the platform team to add the domain to ${CONFIG_NAMESPACE}:tenantDomains in ${stackFile}` });
        return;
      }
      claims.push({ host, tenant: t, field });
      // The platform's own hosts: the webhook receiver gets GitHub's push payloads for every tenant.
      const platformHost = stack.clusters.map((c) => c.receiver?.host).find((r) => r !== undefined && overlaps(host, r));
      if (platformHost) problems.push({ file: t.file, field, value: pattern, message: `overlaps ${platformHost}, the Flux webhook receiver's host in ${stackFile}; a platform host belongs to no tenant, choose another name` });
    });
  }
  for (const [i, a] of claims.entries()) {
    for (const b of claims.slice(i + 1)) {
      if (a.tenant === b.tenant || !overlaps(a.host, b.host)) continue;
      problems.push({ file: b.tenant.file, field: b.field, value: b.host, message: `overlaps ${a.host}, which ${a.tenant.file} (${a.field}) serves; a host belongs to one tenant` });
    }
  }
  return problems;
}

function overlaps(a: string, b: string): boolean {
  const covers = (w: string, h: string) => w.startsWith("*.") && h.endsWith(w.slice(1));
  return a === b || covers(a, b) || covers(b, a);
}

/** Notes for the plan summary: image automation that will not change what the stage deploys. */
export function imageAutomationNotes(t: StageTenant): string[] {
  const ia = t.imageAutomation;
  if (!ia) return [];
  const notes: string[] = [];
  const branch = ia.branch ?? t.source.branch;
  if (branch !== t.source.branch) {
    notes.push(`image automation pushes to ${branch}, not ${t.source.branch} which the stage deploys: updates arrive only through a pull request merging ${branch} into ${t.source.branch}`);
  }
  if (!inside(ia.path, t.source.path)) {
    notes.push(`WARNING: image automation updates ${ia.path}, outside ${t.source.path} which the stage deploys: its commits change nothing here`);
  }
  return notes;
}

/** Whether repository path `p` lies inside folder `dir` (both relative to the repository root). */
function inside(p: string, dir: string): boolean {
  const norm = (x: string) => x.replace(/^\.?\/?/, "").replace(/\/+$/, "");
  const [a, b] = [norm(p), norm(dir)];
  return b === "" || a === b || a.startsWith(`${b}/`);
}
