/**
 * Renders results for people (a Markdown pull-request comment) and for machines (JSON). Pure, so
 * the wording of the warnings reviewers rely on is pinned by tests.
 */
import type { Command } from "./args";
import type { AccessGrant, NamespaceDeletion, OpCounts, ProtectedDeletion } from "./changes";
import type { StackResult } from "./driver";

const OPS = ["create", "update", "replace", "delete"] as const;

/** The loud line for a tenant (or other) namespace that would be deleted with all it contains. */
export function namespaceCallout(d: NamespaceDeletion): string {
  const verb = d.op === "replace" ? "replaces (deletes, then recreates)" : "deletes";
  const what = d.tenant ? `tenant namespace ${d.namespace}` : `namespace ${d.namespace}`;
  const where = d.cluster ? ` on cluster ${d.cluster}` : d.tenant && d.tenant !== d.namespace ? ` of tenant ${d.tenant}` : "";
  return `⚠ ${verb} ${what}${where}`;
}

/** The loud line for a deploy key that gives a repository new access to the clusters or to pushes. */
export function accessCallout(g: AccessGrant): string {
  const who = g.tenant ? ` (tenant ${g.tenant})` : "";
  return g.kind === "write key"
    ? `🔑 grants a WRITE deploy key on repository ${g.repository}${who}: Flux will push to it`
    : `🆕 first deploy key on repository ${g.repository}${who}: its commits will reach the clusters; check it is the team's own`;
}

export function protectedCallout(d: ProtectedDeletion): string {
  return `⛔ would ${d.op} protected resource ${d.type} ${d.name}`;
}

/** The whole comment: an overview table, then one section per stack. */
export function renderMarkdown(command: Command, results: StackResult[], exitCode: number): string {
  const verdict = exitCode === 0 ? "✅ all stacks ok" : "❌ needs attention";
  const lines = [`## Pulumi ${command}: ${verdict}`, "", ...overview(results)];
  for (const result of results) lines.push("", ...stackSection(result));
  return `${lines.join("\n")}\n`;
}

/** The JSON result: the command, the exit code it led to, and every stack's result. */
export function renderJson(command: Command, results: StackResult[], exitCode: number): string {
  return `${JSON.stringify({ command, exitCode, stacks: results }, null, 2)}\n`;
}

/** One console line per stack for the CI log. */
export function statusLine(r: StackResult): string {
  const t = totals(r.changes);
  return `[${r.name}] ${r.command} ${r.status}: ${t.create} to create, ${t.update} to update, ${t.replace} to replace, ${t.delete} to delete`;
}

function overview(results: StackResult[]): string[] {
  const rows = results.map((r) => {
    const t = totals(r.changes);
    return `| ${r.name} | ${resultLabel(r)} | ${OPS.map((op) => t[op]).join(" | ")} |`;
  });
  return ["| Stack | Result | Create | Update | Replace | Delete |", "|---|---|---:|---:|---:|---:|", ...rows];
}

function stackSection(r: StackResult): string[] {
  const lines = [`### ${r.name}: ${resultLabel(r)}`, ""];
  const callouts = [...r.protectedDeletions.map(protectedCallout), ...r.namespaceDeletions.map(namespaceCallout), ...r.accessGrants.map(accessCallout)];
  if (callouts.length > 0) lines.push(...callouts.map((c) => `> **${c}**`), "");
  if (r.error !== null) lines.push("```text", r.error.replace(/```/g, "'''"), "```", "");
  lines.push(...changeTable(r.changes), "");
  lines.push(r.tenants.length > 0 ? `Tenants touched: ${r.tenants.join(", ")}` : "Tenants touched: none");
  return lines;
}

function resultLabel(r: StackResult): string {
  if (r.status === "failed") return `❌ ${r.command} failed`;
  if (r.protectedDeletions.length > 0) return `⛔ ${r.command} would delete protected resources`;
  return `✅ ${r.command} succeeded`;
}

function changeTable(changes: Record<string, OpCounts>): string[] {
  const types = Object.keys(changes).sort();
  if (types.length === 0) return ["No resource changes."];
  const rows = types.map((type) => `| \`${type}\` | ${OPS.map((op) => changes[type][op]).join(" | ")} |`);
  return ["| Type | Create | Update | Replace | Delete |", "|---|---:|---:|---:|---:|", ...rows];
}

function totals(changes: Record<string, OpCounts>): OpCounts {
  const sum: OpCounts = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const counts of Object.values(changes)) for (const op of OPS) sum[op] += counts[op];
  return sum;
}
