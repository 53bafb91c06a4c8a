import type { Problem } from "./errors";
import type { Tenant } from "./tenants";

/** What the last update left behind for one tenant on one cluster (stack output `tenants`). */
export interface PreviousTenant {
  namespace: string;
  decommissioned: boolean;
}

/** Stack output keys are `<tenant>@<cluster>`. */
export const tenantKey = (tenant: string, cluster: string) => `${tenant}@${cluster}`;

/**
 * A tenant leaves in two steps: `decommission: true` (the plan shows what goes), then removal of
 * the file. A tenant that disappears from a cluster without the first step is refused, because its
 * namespace holds a team's workloads.
 */
export function removalProblems(previous: Record<string, PreviousTenant>, current: Tenant[], stage: string, clusters: string[], stackFile: string): Problem[] {
  const present = new Set(current.filter((t) => t.stages.includes(stage)).flatMap((t) => clusters.map((c) => tenantKey(t.name, c))));
  return Object.entries(previous)
    .filter(([key, p]) => !present.has(key) && !p.decommissioned)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, p]) => {
      const [tenant, cluster] = key.split("@");
      const file = current.find((t) => t.name === tenant)?.file;
      return {
        file: file ?? `tenants/${tenant}.yaml`,
        field: file ? "stages" : "",
        message:
          `tenant ${tenant} would leave cluster ${cluster} and its namespace ${p.namespace} would be deleted, but it was not decommissioned; ` +
          `first ${file ? "keep it on that stage" : "restore the file"} with "decommission: true" and run an update (the plan shows what goes), then remove it` +
          ` (stack file: ${stackFile})`,
      };
    });
}
