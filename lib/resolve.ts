import type { Tenant } from "./tenants";
import type { Limits, Quota } from "./tenant-schema";

/** A tenant as it lands on one stage: overrides applied and `{stage}` substituted. */
export interface StageTenant extends Omit<Tenant, "quota" | "limits" | "source" | "overrides"> {
  stage: string;
  quota: Quota;
  limits?: Limits;
  source: Tenant["source"];
}

export function resolveForStage(t: Tenant, stage: string): StageTenant {
  const o = t.overrides[stage] ?? {};
  const { overrides: _unused, ...rest } = t;
  const source = { ...t.source, ...definedOnly(o.source ?? {}) };
  return {
    ...rest,
    stage,
    quota: o.quota ?? t.quota,
    limits: o.limits ?? t.limits,
    source: { ...source, path: source.path.replaceAll("{stage}", stage) },
    hosts: t.hosts.map((h) => h.replaceAll("{stage}", stage)),
    imageAutomation: t.imageAutomation && { ...t.imageAutomation, path: t.imageAutomation.path.replaceAll("{stage}", stage) },
  };
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
