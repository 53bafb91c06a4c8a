import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { accessGrantsOf } from "../lib/access-grants";
import type { K8sObject } from "../lib/objects/meta";
import type { PlanFile } from "./write";

type Objects = Map<string, K8sObject>;

/** Objects of every `manifests/<cluster>/<owner>.yaml`, keyed by cluster and owner. */
function readManifests(dir: string): Map<string, Objects> {
  const out = new Map<string, Objects>();
  const root = path.join(dir, "manifests");
  if (!fs.existsSync(root)) return out;
  for (const cluster of fs.readdirSync(root).sort()) {
    for (const file of fs.readdirSync(path.join(root, cluster)).sort()) {
      const objects: Objects = new Map();
      for (const doc of parseAllDocuments(fs.readFileSync(path.join(root, cluster, file), "utf8"))) {
        const o = doc.toJS() as K8sObject | null;
        if (o) objects.set(`${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata.name}`, o);
      }
      out.set(`${cluster}/${file.replace(/\.yaml$/, "")}`, objects);
    }
  }
  return out;
}

/** Dotted paths whose values differ between two JSON-like values. */
export function changedPaths(a: unknown, b: unknown, prefix = ""): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  if (!isObj(a) || !isObj(b)) return [prefix || "(value)"];
  const keys = [...new Set([...Object.keys(a as object), ...Object.keys(b as object)])].sort();
  return keys.flatMap((k) => changedPaths((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k));
}

/**
 * What changed between two offline plans, as a reviewer reads it on a pull request: tenants and
 * objects added, changed (which fields) and removed, loudest first, then cloud resources.
 */
export function diffPlans(oldDir: string, newDir: string): string {
  const before = readManifests(oldDir);
  const after = readManifests(newDir);
  const lines: string[] = [];
  const owners = [...new Set([...before.keys(), ...after.keys()])].sort();
  const removed = owners.filter((o) => before.has(o) && !after.has(o) && !o.endsWith("/platform"));
  for (const o of removed) {
    const [cluster, tenant] = o.split("/");
    const ns = [...before.get(o)!.values()].find((x) => x.kind === "Namespace")?.metadata.name;
    lines.push(`!! REMOVED tenant ${tenant} from cluster ${cluster}: ${before.get(o)!.size} objects${ns ? `, namespace ${ns} and every workload in it` : ""} would be deleted`);
  }
  lines.push(...accessGrants(oldDir, newDir));
  for (const o of owners.filter((x) => !before.has(x) && after.has(x))) lines.push(`+ added ${o.endsWith("/platform") ? "platform objects" : "tenant"} ${o} (${after.get(o)!.size} objects)`);
  for (const o of owners.filter((x) => before.has(x) && after.has(x))) {
    const a = before.get(o)!;
    const b = after.get(o)!;
    for (const k of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      if (!b.has(k)) lines.push(`- ${o}: removed ${k}`);
      else if (!a.has(k)) lines.push(`+ ${o}: added ${k}`);
      else {
        const fields = changedPaths(a.get(k), b.get(k));
        if (fields.length) lines.push(`~ ${o}: changed ${k}: ${fields.join(", ")}`);
      }
    }
  }
  lines.push(...diffResources(oldDir, newDir));
  return lines.length ? lines.join("\n") : "No changes.";
}

const readResources = (d: string): Map<string, PlanFile["resources"][number]> => {
  const file = path.join(d, "plan.json");
  if (!fs.existsSync(file)) return new Map();
  return new Map((JSON.parse(fs.readFileSync(file, "utf8")) as PlanFile).resources.map((r) => [r.urn, r]));
};

/**
 * Deploy keys that give a repository access it did not have: the first key on it (its commits now
 * reach the clusters) or write access. A reviewer must see these before anything else is approved.
 */
function accessGrants(oldDir: string, newDir: string): string[] {
  const keys = (d: string) => [...readResources(d).values()].filter((r) => r.type === "github:index/repositoryDeployKey:RepositoryDeployKey")
    .map((r) => ({ repository: String(r.inputs.repository), write: r.inputs.readOnly === false, owner: (r.provider ?? "").split("::").pop()?.replace(/^github-/, "") }));
  const lines = accessGrantsOf(keys(oldDir), keys(newDir)).map(({ kind, key }) => {
    const name = `${key.owner ? `${key.owner}/` : ""}${key.repository}`;
    return kind === "new repository"
      ? `!! NEW REPOSITORY ${name} gets a deploy key: its commits will reach the clusters; check it is the team's own`
      : `!! WRITE KEY on ${name}: Flux will push to it (image automation)`;
  });
  return [...new Set(lines)];
}

function diffResources(oldDir: string, newDir: string): string[] {
  const a = readResources(oldDir);
  const b = readResources(newDir);
  const lines: string[] = [];
  for (const urn of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const name = urn.split("::").slice(2).join("::");
    if (!b.has(urn)) lines.push(`- resource ${name}${a.get(urn)!.protect ? " (PROTECTED: the update will fail)" : ""}`);
    else if (!a.has(urn)) lines.push(`+ resource ${name}`);
    else {
      const fields = changedPaths(a.get(urn), b.get(urn));
      if (fields.length) lines.push(`~ resource ${name}: ${fields.join(", ")}`);
    }
  }
  return lines.length ? ["", "Cloud resources:", ...lines] : [];
}
