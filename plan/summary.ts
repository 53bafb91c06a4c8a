import type { LoadedProject } from "../lib/project";
import { tenantsOnStage } from "../lib/project";
import { resolveForStage } from "../lib/resolve";
import { imageAutomationCluster, isExisting } from "../lib/stack-schema";
import { imageAutomationNotes } from "../lib/stage-rules";
import { commitWrites, FLEET_COMMIT_TYPE } from "../lib/fleet-commit";
import type { Registration } from "./recorder";
import type { PlanFile } from "./write";

/** The human summary of a plan: clusters, tenants, resource counts. */
export function summary(project: LoadedProject, registrations: Registration[], plan: PlanFile, out: string): string {
  const s = project.stack;
  const lines = [`Offline plan of stack ${project.stackName} (stage ${s.stage}, ${s.delivery} delivery) written to ${out}`, "", "Clusters"];
  const onStage = tenantsOnStage(project.tenants, s.stage);
  for (const c of s.clusters) {
    if (isExisting(c)) {
      lines.push(`  ${c.name}: existing cluster, kubeconfig context ${c.existing.context}`);
    } else {
      const groups = c.nodeGroups.map((g) => `${g.name} ${g.instanceTypes.join("/")} ${g.minSize}-${g.maxSize}`).join(", ");
      const endpoint = [c.endpoint.public && "public", c.endpoint.private && "private"].filter(Boolean).join("+");
      lines.push(`  ${c.name}: EKS ${c.kubernetesVersion} in ${c.region}, zones ${c.availabilityZoneIds.join(",")}, nodes ${groups}, endpoint ${endpoint}, KMS-encrypted secrets, logs ${c.logTypes.join(",")}${c.deletionProtection ? ", deletion protection" : ""}`);
    }
    const image = c.name === imageAutomationCluster(s) && onStage.some((t) => t.imageAutomation && !t.decommission);
    lines.push(`  ${" ".repeat(c.name.length)}  Flux ${s.flux.version} (operator chart ${s.flux.operatorChartVersion}), multitenant lockdown, sync ${s.fleet.repository}@${s.fleet.branch}:clusters/${c.name}${image ? ", image automation" : ""}; Sealed Secrets ${s.sealedSecrets.chartVersion} with program-owned key`);
  }
  lines.push("", `Tenants on ${s.stage} (${onStage.length})`);
  // Indexed once: scanning every registration per tenant made the summary quadratic at scale.
  const keysByTenant = new Map<string, typeof registrations>();
  for (const x of registrations) {
    if (x.type !== "github:index/repositoryDeployKey:RepositoryDeployKey" || !x.parent) continue;
    const tenant = x.parent.split("::").pop()!;
    keysByTenant.set(tenant, [...(keysByTenant.get(tenant) ?? []), x]);
  }
  const keysOf = (tenant: string) => keysByTenant.get(tenant) ?? [];
  const automation = imageAutomationCluster(s);
  for (const t of onStage) {
    const r = resolveForStage(t, s.stage);
    const keys = keysOf(t.name).map((k) => (k.inputs.readOnly === false ? `write key on ${automation}` : "read-only key"));
    const features = [
      r.helmRepositories.length && `helm(${r.helmRepositories.map((h) => h.name).join(",")})`,
      r.imageAutomation && `image-automation(${r.imageAutomation.images.length}) on ${automation}`,
      r.ecr.length && `ecr(${r.ecr.length})`,
      r.hosts.length && `hosts(${r.hosts.join(",")})`,
      r.notifications?.slack && "slack",
      r.notifications?.githubCommitStatus && "commit-status",
      r.source.webhook && (s.clusters.some((c) => c.receiver) ? "webhook" : "polls (no receiver declared)"),
      r.network.isolation === "namespace" && "isolated",
    ].filter(Boolean);
    const state = t.decommission ? "  DECOMMISSIONING: objects and namespace will be deleted" : "";
    lines.push(`  ${t.name}: ns ${t.namespace}, quota ${r.quota.cpu} CPU/${r.quota.memory}, ${r.source.repository}@${r.source.branch}:${r.source.path}, ${keys.join(" + ") || "no key"}, ${features.join(" ") || "no extras"}${state}`);
    if (!t.decommission) lines.push(...imageAutomationNotes(r).map((n) => `    ${n}`));
  }
  const polling = s.clusters.filter((c) => !c.receiver).map((c) => c.name);
  if (polling.length > 0) lines.push("", `No webhook receiver declared on ${polling.join(", ")}: tenants' repositories are polled there (source.interval) and no GitHub webhook is created for them.`);
  const writes = githubWrites(registrations);
  lines.push("", `GitHub writes of a first up: ${writes.total} (${writes.detail}); at GitHub's ~80 a minute and 500 an hour that is at least ${leastTime(writes.total)}. An up stopped by the limits is finished by the next one.`);
  const byProvider = Object.entries(plan.counts.byProvider).map(([p, n]) => `${p} ${n}`).join(", ");
  lines.push("", `Resources: ${plan.counts.resources} (${byProvider})`);
  return lines.join("\n");
}

const WRITES_PER_HOUR = 500;
const WRITES_PER_MINUTE = 80;

/** Content-creating GitHub requests the registered resources make when created. */
export function githubWrites(registrations: Registration[]): { total: number; detail: string } {
  const count = (type: string) => registrations.filter((r) => r.type === type).length;
  const parts: [string, number][] = [
    ["deploy keys", count("github:index/repositoryDeployKey:RepositoryDeployKey")],
    ["webhooks", count("github:index/repositoryWebhook:RepositoryWebhook")],
    ["repositories", count("github:index/repository:Repository")],
    ["fleet commit requests", registrations.filter((r) => r.type === FLEET_COMMIT_TYPE).reduce((n, r) => n + commitWrites((r.inputs.files ?? {}) as Record<string, string>), 0)],
  ];
  return { total: parts.reduce((n, [, k]) => n + k, 0), detail: parts.filter(([, k]) => k > 0).map(([what, k]) => `${k} ${what}`).join(", ") };
}

/** The least wall time GitHub's content-creation limits allow for `writes` requests. */
export function leastTime(writes: number): string {
  const minutes = Math.max(Math.ceil(writes / WRITES_PER_MINUTE), writes > WRITES_PER_HOUR ? Math.ceil(writes / WRITES_PER_HOUR - 1) * 60 : 0);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
