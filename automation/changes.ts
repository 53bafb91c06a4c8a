/**
 * Turns engine events into what a reviewer needs to know about a stack: how many resources of
 * each type change, which tenants are touched, and the dangerous deletions. Pure: events in,
 * plain data out, so it is tested with hand-written events.
 */
import { parseAllDocuments } from "yaml";
import { accessGrantsOf } from "../lib/access-grants";
import { FLEET_COMMIT_TYPE } from "../lib/fleet-commit";
import type { EngineEvent } from "./seam";

export { FLEET_COMMIT_TYPE };
import { parseUrn, ParsedUrn } from "./urn";

export const TENANT_TYPE = "platform:tenant:Tenant";
export const TENANT_KEYS_TYPE = "platform:tenant:TenantDeployKeys";
export const DEPLOY_KEY_TYPE = "github:index/repositoryDeployKey:RepositoryDeployKey";
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/** The operations counted. Replacement sub-steps (create-replacement, delete-replaced) are not
 * counted again: the engine reports each replacement once as `replace` as well. */
export type CountedOp = "create" | "update" | "delete" | "replace";
const COUNTED: readonly string[] = ["create", "update", "delete", "replace"];

export type OpCounts = Record<CountedOp, number>;

export interface NamespaceDeletion {
  /** `delete`, or `replace` (which deletes the namespace and everything in it first). */
  op: "delete" | "replace";
  /** The Kubernetes namespace name when the engine reported it, else the Pulumi resource name. */
  namespace: string;
  tenant?: string;
  cluster?: string;
  urn: string;
}

export interface ProtectedDeletion {
  op: "delete" | "replace";
  type: string;
  name: string;
  urn: string;
}

/**
 * A deploy key that gives a repository more access than before: the first key on a repository
 * (its commits now reach a cluster), or write access (Flux may push to it).
 */
export interface AccessGrant {
  kind: "new repository" | "write key";
  /** Repository name as the deploy key names it (without owner). */
  repository: string;
  tenant?: string;
  urn: string;
}

export interface StackChanges {
  /** Counts by resource type; only types with at least one counted change. */
  byType: Record<string, OpCounts>;
  /** Tenants with at least one changed resource, as `tenant` or `tenant (cluster)`, sorted. */
  tenants: string[];
  namespaceDeletions: NamespaceDeletion[];
  protectedDeletions: ProtectedDeletion[];
  accessGrants: AccessGrant[];
}

/** One resource step, flattened from either a pre-event or an outputs event. */
interface Step {
  op: string;
  urn: ParsedUrn;
  parent?: string;
  protect: boolean;
  k8sName?: string;
  /** Inputs before and after the step, where the engine reports them. */
  oldInputs?: Record<string, unknown>;
  newInputs?: Record<string, unknown>;
}

/**
 * Summarises one operation's events. `knownTenants` (e.g. the `tenants/*.yaml` names) lets a
 * tenant component named `<tenant>-<cluster>` be split even when both parts contain dashes.
 */
export function summarizeEvents(events: EngineEvent[], knownTenants: string[] = []): StackChanges {
  const steps = uniqueSteps(events);
  const changed = steps.filter((s) => COUNTED.includes(s.op));
  const tenants = new TenantIndex(steps, knownTenants);
  return {
    byType: countByType(changed),
    tenants: tenants.touched(changed),
    namespaceDeletions: [...changed.filter(isNamespaceDeletion).map((s) => namespaceDeletion(s, tenants)), ...changed.flatMap(fleetNamespaceDeletions)],
    protectedDeletions: changed.filter((s) => isDeletion(s) && s.protect).map(protectedDeletion),
    accessGrants: accessGrants(steps, tenants),
  };
}

/** Pre- and outputs events describe the same step; keep each op+URN once. */
function uniqueSteps(events: EngineEvent[]): Step[] {
  const seen = new Map<string, Step>();
  for (const event of events) {
    const meta = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
    if (!meta) continue;
    const key = `${meta.op} ${meta.urn}`;
    if (!seen.has(key)) seen.set(key, toStep(meta));
  }
  return [...seen.values()];
}

type StepMetadata = NonNullable<EngineEvent["resourcePreEvent"]>["metadata"];

function toStep(meta: StepMetadata): Step {
  const state = meta.old ?? meta.new;
  return {
    op: meta.op,
    urn: parseUrn(meta.urn, meta.type),
    parent: meta.new?.parent || meta.old?.parent || undefined,
    protect: meta.old?.protect === true,
    k8sName: metadataName(meta.old?.outputs) ?? metadataName(state?.inputs),
    ...(meta.old?.inputs ? { oldInputs: meta.old.inputs } : {}),
    ...(meta.new?.inputs ? { newInputs: meta.new.inputs } : {}),
  };
}

/** `metadata.name` of a Kubernetes object's state, when present. */
function metadataName(props: Record<string, unknown> | undefined): string | undefined {
  const metadata = props?.metadata as { name?: unknown } | undefined;
  return typeof metadata?.name === "string" ? metadata.name : undefined;
}

function countByType(steps: Step[]): Record<string, OpCounts> {
  const byType: Record<string, OpCounts> = {};
  for (const step of steps) {
    const counts = (byType[step.urn.type] ??= { create: 0, update: 0, delete: 0, replace: 0 });
    counts[step.op as CountedOp] += 1;
  }
  return byType;
}

function isDeletion(step: Step): boolean {
  return step.op === "delete" || step.op === "replace";
}

function isNamespaceDeletion(step: Step): boolean {
  return isDeletion(step) && step.urn.type === NAMESPACE_TYPE;
}

function namespaceDeletion(step: Step, tenants: TenantIndex): NamespaceDeletion {
  const owner = tenants.ownerOf(step);
  return {
    op: step.op as "delete" | "replace",
    namespace: step.k8sName ?? owner?.tenant ?? step.urn.name,
    ...(owner ? { tenant: owner.tenant } : {}),
    ...(owner?.cluster ? { cluster: owner.cluster } : {}),
    urn: step.urn.urn,
  };
}

/**
 * Deploy keys created or changed so that a repository gains access: write access where there was
 * none, or a key on a repository that had no key of this stack before the update.
 */
function accessGrants(steps: Step[], tenants: TenantIndex): AccessGrant[] {
  const keys = steps.filter((s) => s.urn.type === DEPLOY_KEY_TYPE);
  const access = (inputs: Record<string, unknown> | undefined) =>
    typeof inputs?.repository === "string" ? { repository: inputs.repository, write: inputs.readOnly === false } : undefined;
  const before = keys.filter((s) => s.op !== "create").flatMap((s) => access(s.oldInputs) ?? []);
  const after = keys.filter((s) => ["create", "update", "replace"].includes(s.op)).flatMap((s) => {
    const a = access(s.newInputs);
    return a ? [{ ...a, step: s }] : [];
  });
  return accessGrantsOf(before, after).map(({ kind, key }) => {
    const tenant = tenants.ownerOf(key.step)?.tenant;
    return { kind, repository: key.repository, ...(tenant ? { tenant } : {}), urn: key.step.urn.urn };
  });
}

/**
 * In `gitops` delivery a tenant namespace is a fleet file, not a resource: a commit that removes
 * `tenants/<cluster>/<tenant>/objects.yaml` makes Flux prune what it held, its namespace included.
 */
function fleetNamespaceDeletions(step: Step): NamespaceDeletion[] {
  if (step.urn.type !== FLEET_COMMIT_TYPE || !["update", "replace"].includes(step.op)) return [];
  const oldFiles = (step.oldInputs?.files ?? {}) as Record<string, unknown>;
  const newFiles = (step.newInputs?.files ?? {}) as Record<string, unknown>;
  return Object.keys(oldFiles).sort().flatMap((file) => {
    const m = /^tenants\/([^/]+)\/([^/]+)\/objects\.yaml$/.exec(file);
    if (!m || file in newFiles) return [];
    const content = typeof oldFiles[file] === "string" ? (oldFiles[file] as string) : "";
    const docs = parseAllDocuments(content).map((d) => d.toJS() as { kind?: string; metadata?: { name?: string } } | null);
    const namespace = docs.find((d) => d?.kind === "Namespace")?.metadata?.name ?? m[2];
    return [{ op: "delete" as const, namespace, tenant: m[2], cluster: m[1], urn: step.urn.urn }];
  });
}

function protectedDeletion(step: Step): ProtectedDeletion {
  return { op: step.op as "delete" | "replace", type: step.urn.type, name: step.urn.name, urn: step.urn.urn };
}

interface TenantOwner {
  component: string;
  tenant: string;
  cluster?: string;
}

/**
 * Finds which tenant component owns a resource: the nearest Tenant among its ancestors (exact,
 * from the events' `parent` links), else the longest Tenant component name that prefixes the
 * resource name (children are named `${component}-<role>`, and so are tenant resources created
 * outside the component).
 */
class TenantIndex {
  private readonly components: string[];
  private readonly hints: string[];
  private readonly byUrn: Map<string, Step>;

  constructor(steps: Step[], knownTenants: string[]) {
    this.byUrn = new Map(steps.map((s) => [s.urn.urn, s]));
    this.components = [...new Set(steps.filter((s) => s.urn.type === TENANT_TYPE || s.urn.type === TENANT_KEYS_TYPE).map((s) => s.urn.name))];
    // A tenant namespace is named after its tenant, so namespaces inside tenants are hints too.
    const namespaceNames = steps.filter((s) => s.urn.type === NAMESPACE_TYPE && s.k8sName).map((s) => s.k8sName!);
    this.hints = [...new Set([...knownTenants, ...namespaceNames])];
  }

  touched(changed: Step[]): string[] {
    const labels = changed.map((s) => this.ownerOf(s)).filter((o): o is TenantOwner => o !== undefined);
    return [...new Set(labels.map((o) => (o.cluster ? `${o.tenant} (${o.cluster})` : o.tenant)))].sort();
  }

  ownerOf(step: Step): TenantOwner | undefined {
    const component = this.tenantAncestor(step) ?? longestPrefix(this.components, step.urn.name);
    return component === undefined ? undefined : { component, ...this.split(component) };
  }

  /** Walks `parent` links; bounded so a malformed event stream cannot loop forever. */
  private tenantAncestor(step: Step): string | undefined {
    let urn: ParsedUrn | undefined = step.urn;
    let parent = step.parent;
    for (let depth = 0; urn !== undefined && depth < 64; depth++) {
      if (urn.type === TENANT_TYPE || urn.type === TENANT_KEYS_TYPE) return urn.name;
      if (parent === undefined) return undefined;
      urn = parseUrn(parent);
      parent = this.byUrn.get(parent)?.parent;
    }
    return undefined;
  }

  /**
   * `<tenant>.<cluster>` (DNS labels hold no dot, so the split is exact; a TenantDeployKeys is
   * named `<tenant>`); the older `<tenant>-<cluster>` is split by the longest known tenant name,
   * and left whole when none fits.
   */
  private split(component: string): { tenant: string; cluster?: string } {
    const dot = component.indexOf(".");
    if (dot > 0) return { tenant: component.slice(0, dot), cluster: component.slice(dot + 1) };
    const tenant = longestPrefix(this.hints, component);
    if (tenant === undefined || tenant === component) return { tenant: component };
    return { tenant, cluster: component.slice(tenant.length + 1) };
  }
}

/** The longest candidate equal to `name` or followed in it by a dash. */
function longestPrefix(candidates: string[], name: string): string | undefined {
  return candidates
    .filter((c) => name === c || name.startsWith(`${c}-`))
    .sort((a, b) => b.length - a.length)[0];
}
