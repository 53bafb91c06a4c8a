import * as fs from "node:fs";
import * as path from "node:path";
import { FLEET_COMMIT_TYPE } from "../lib/fleet-commit";
import { providerUrn, type Manifests } from "./manifests";
import type { Registration } from "./recorder";

export interface PlanFile {
  stack: string;
  counts: { resources: number; byProvider: Record<string, number>; byType: Record<string, number> };
  resources: Array<Omit<Registration, "urn" | "custom"> & { urn: string }>;
  outputs: unknown;
}

/** The package a resource type comes from (`aws`, `kubernetes`, ...; `platform` for our components). */
export const providerOf = (type: string) => (type.startsWith("pulumi:providers:") ? type.split(":")[2] : type.split(":")[0]);

export function planFile(stack: string, registrations: Registration[], outputs: unknown): PlanFile {
  const count = (key: (r: Registration) => string) => {
    const counts: Record<string, number> = {};
    for (const r of registrations) counts[key(r)] = (counts[key(r)] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort());
  };
  return {
    stack,
    counts: { resources: registrations.length, byProvider: count((r) => providerOf(r.type)), byType: count((r) => r.type) },
    resources: [...registrations]
      .sort((a, b) => a.urn.localeCompare(b.urn))
      .map(({ custom: _custom, provider, providers, ...r }) => ({
        ...r,
        // A dynamic resource's serialized provider code says nothing a reviewer needs.
        ...(r.inputs.__provider === undefined ? {} : { inputs: Object.fromEntries(Object.entries(r.inputs).filter(([k]) => k !== "__provider")) }),
        ...(provider ? { provider: providerUrn(provider) } : {}),
        ...(providers ? { providers: Object.fromEntries(Object.entries(providers).map(([k, v]) => [k, providerUrn(v)])) } : {}),
      })),
    outputs,
  };
}

/** Fleet repository files by path, exactly as the program would commit them. */
export function fleetFilesFrom(registrations: Registration[]): Record<string, string> {
  return Object.fromEntries(
    registrations
      .filter((r) => r.type === FLEET_COMMIT_TYPE)
      .flatMap((r) => Object.entries((r.inputs.files ?? {}) as Record<string, unknown>).map(([file, content]) => [file, String(content)] as const))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

/** Replaces `out` with the plan, the manifests per cluster and owner, and the fleet files. */
export function writePlan(out: string, plan: PlanFile, manifests: Manifests, fleet: Record<string, string>): void {
  fs.rmSync(out, { recursive: true, force: true });
  // Each folder made once: tens of thousands of files share a few thousand folders.
  const made = new Set<string>();
  const write = (rel: string, content: string) => {
    const file = path.join(out, rel);
    const dir = path.dirname(file);
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    fs.writeFileSync(file, content);
  };
  write("plan.json", JSON.stringify(plan, null, 2) + "\n");
  for (const [cluster, owners] of Object.entries(manifests)) {
    for (const [owner, yaml] of Object.entries(owners)) write(path.join("manifests", cluster, `${owner}.yaml`), yaml);
  }
  for (const [file, content] of Object.entries(fleet)) write(path.join("fleet", file), content);
}
