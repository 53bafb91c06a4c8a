import type { LoadedProject } from "../lib/project";
import { tenantsOnStage } from "../lib/project";
import { resolveForStage } from "../lib/resolve";
import { isExisting } from "../lib/stack-schema";
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
      lines.push(`  ${c.name}: EKS ${c.kubernetesVersion} in ${c.region}, ${c.availabilityZones} AZs, nodes ${groups}, endpoint ${endpoint}, KMS-encrypted secrets, logs ${c.logTypes.join(",")}${c.deletionProtection ? ", deletion protection" : ""}`);
    }
    const image = onStage.some((t) => t.imageAutomation && !t.decommission);
    lines.push(`  ${" ".repeat(c.name.length)}  Flux ${s.flux.version} (operator chart ${s.flux.operatorChartVersion}), multitenant lockdown, sync ${s.fleet.repository}@${s.fleet.branch}:clusters/${c.name}${image ? ", image automation" : ""}; Sealed Secrets ${s.sealedSecrets.chartVersion} with program-owned key`);
  }
  lines.push("", `Tenants on ${s.stage} (${onStage.length})`);
  const deployKeys = new Map(
    registrations.filter((x) => x.type === "github:index/repositoryDeployKey:RepositoryDeployKey" && x.parent).map((x) => [x.parent!.split("::").pop()!, x]),
  );
  for (const t of onStage) {
    const r = resolveForStage(t, s.stage);
    const key = deployKeys.get(`${t.name}-${s.clusters[0].name}`);
    const mode = key ? (key.inputs.readOnly === false ? "read-write key" : "read-only key") : "no key";
    const features = [
      r.helmRepositories.length && `helm(${r.helmRepositories.map((h) => h.name).join(",")})`,
      r.imageAutomation && `image-automation(${r.imageAutomation.images.length})`,
      r.ecr.length && `ecr(${r.ecr.length})`,
      r.notifications?.slack && "slack",
      r.notifications?.githubCommitStatus && "commit-status",
      r.source.webhook && "webhook",
      r.network.isolation === "namespace" && "isolated",
    ].filter(Boolean);
    const state = t.decommission ? "  DECOMMISSIONING: objects and namespace will be deleted" : "";
    lines.push(`  ${t.name}: ns ${t.namespace}, quota ${r.quota.cpu} CPU/${r.quota.memory}, ${r.source.repository}@${r.source.branch}:${r.source.path}, ${mode}, ${features.join(" ") || "no extras"}${state}`);
  }
  const byProvider = Object.entries(plan.counts.byProvider).map(([p, n]) => `${p} ${n}`).join(", ");
  lines.push("", `Resources: ${plan.counts.resources} (${byProvider})`);
  return lines.join("\n");
}
