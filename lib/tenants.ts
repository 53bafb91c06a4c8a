import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Problem } from "./errors";
import { compileGoRegex, expandReferences, mastermindsRangeError } from "./go-syntax";
import { problemsFromIssues } from "./issues";
import { EPHEMERAL_DEFAULTS } from "./objects/tenant";
import { nonAscii, quantityValue } from "./rules";
import { listTenantFiles, TENANT_FILE_EXTENSION } from "./tenant-folder";
import { ecrRepositories, tenantSchema, type TenantFile } from "./tenant-schema";
import { readYamlMapping } from "./yaml-file";

/** A validated tenant file, with its resolved namespace and stages. */
export interface Tenant extends TenantFile {
  /** Path of the file as users see it, e.g. `tenants/app-a.yaml`. */
  file: string;
  namespace: string;
  stages: string[];
}

export interface TenantCheckContext {
  /** Every stage some stack of this project declares. */
  knownStages: string[];
  /** Namespaces the platform owns and no tenant may take. */
  reservedNamespaces: string[];
  /** The stack's own stage could not be read: stages are not judged. */
  stagesUnknown?: boolean;
}


/**
 * Loads and validates every tenant file (`<tenant>.yaml`) in `dir`; what else the folder may hold
 * is ruled in `tenant-folder.ts` (ignored: dotfiles, editor backups, Markdown; refused: anything
 * else, naming it). Returns all tenants and all problems; callers must not use the tenants when
 * there is any problem.
 */
export function loadTenants(dir: string, ctx: TenantCheckContext, displayDir = dir): { tenants: Tenant[]; problems: Problem[] } {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    return { tenants: [], problems: [{ file: displayDir, field: "", message: "tenants folder not found; create it or pass --tenants DIR" }] };
  }
  const listed = listTenantFiles(dir, displayDir.split(path.sep).join("/"));
  const tenants: Tenant[] = [];
  const problems: Problem[] = [...listed.problems];
  const ctxKey = JSON.stringify(ctx);
  for (const { name: f, full, display } of listed.files) {
    const checked = checkedFile(f, full, display, ctx, ctxKey);
    problems.push(...checked.problems);
    if (checked.tenant) tenants.push(checked.tenant);
  }
  problems.push(...checkUnique(tenants, "name"), ...checkUnique(tenants, "namespace"), ...checkNamespaceNames(tenants));
  return { tenants, problems };
}

/** One tenant file read and checked on its own: the tenant, if the file holds a valid one, and the file's problems. */
interface CheckedFile {
  tenant?: Tenant;
  problems: Problem[];
}

/**
 * Files already checked, by a digest of their path, bytes and check context. The offline plan
 * loads the tenants twice, once itself and once in the program it runs (which must validate its
 * own inputs under `pulumi up`); the second load reuses the first's work for unchanged files.
 */
const checkedFiles = new Map<string, CheckedFile>();

function checkedFile(f: string, full: string, display: string, ctx: TenantCheckContext, ctxKey: string): CheckedFile {
  let id: string | undefined;
  try {
    id = createHash("sha256").update(JSON.stringify([f, display, ctxKey])).update(fs.readFileSync(full)).digest("base64");
  } catch {
    // Unreadable: readYamlMapping says why, every time.
  }
  const cached = id === undefined ? undefined : checkedFiles.get(id);
  // A copy, so no caller can change what another one gets.
  if (cached) return structuredClone(cached);
  const checked = checkFile(f, full, display, ctx);
  if (id !== undefined) checkedFiles.set(id, structuredClone(checked));
  return checked;
}

function checkFile(f: string, full: string, display: string, ctx: TenantCheckContext): CheckedFile {
  const parsed = readYamlMapping(full, display);
  if (parsed.value === undefined) return { problems: parsed.problems };
  const result = tenantSchema.safeParse(parsed.value);
  if (!result.success) {
    return { problems: [...parsed.problems, ...problemsFromIssues(result.error.issues, display, parsed.value, tenantSchema, [], parsed.sources)] };
  }
  const tenant: Tenant = {
    ...result.data,
    file: display,
    namespace: result.data.namespace ?? result.data.name,
    stages: result.data.stages ?? ctx.knownStages,
  };
  return { tenant, problems: [...parsed.problems, ...checkTenant(tenant, f.slice(0, -TENANT_FILE_EXTENSION.length), ctx)] };
}

/** The rules that need more than one field, or knowledge of the project. */
export function checkTenant(t: Tenant, fileStem: string, ctx: TenantCheckContext): Problem[] {
  const problems: Problem[] = [];
  const add = (field: string, value: unknown, message: string) => problems.push({ file: t.file, field, value, message });
  if (fileStem !== t.name) add("name", t.name, `does not match the file name; rename the file to ${t.name}.yaml or set name: ${fileStem}`);
  if (t.namespace.startsWith("kube-") && !ctx.reservedNamespaces.includes(t.namespace)) {
    add(t.namespace === t.name ? "name" : "namespace", t.namespace, "starts with kube-, a prefix Kubernetes reserves for its own namespaces; choose the team's own name");
  }
  if (ctx.reservedNamespaces.includes(t.namespace)) {
    add(t.namespace === t.name ? "name" : "namespace", t.namespace,
      `is reserved for the platform (${ctx.reservedNamespaces.join(", ")}); choose the team's own namespace`);
  }
  problems.push(...listedTwice(t, "stages", t.stages), ...listedTwice(t, "owners", t.owners), ...listedTwice(t, "source.sharedWith", t.source.sharedWith), ...listedTwice(t, "hosts", t.hosts));
  t.source.sharedWith.forEach((o, i) => {
    if (o === t.name) add(`source.sharedWith[${i}]`, o, "is this tenant itself; list the other tenants that use the same repository");
  });
  t.stages.forEach((s, i) => {
    if (!ctx.knownStages.includes(s) && (!ctx.stagesUnknown || nonAscii(s))) add(`stages[${i}]`, s, `is not a known stage${nonAscii(s)}; known stages are ${ctx.knownStages.join(", ")} (from Pulumi.<stack>.yaml)`);
  });
  for (const stage of Object.keys(ctx.stagesUnknown ? {} : t.overrides)) {
    // Advising to add an unknown stage to `stages` would only trade this problem for another one.
    if (!ctx.knownStages.includes(stage)) add(`overrides.${stage}`, undefined, `is not a known stage; known stages are ${ctx.knownStages.join(", ")} (from Pulumi.<stack>.yaml)`);
    else if (!t.stages.includes(stage)) add(`overrides.${stage}`, undefined, `overrides a stage the tenant does not land on; add "${stage}" to stages or remove this override`);
  }
  problems.push(...checkNames(t.helmRepositories.map((r) => r.name), t, "helmRepositories"), ...checkEcrNames(t));
  problems.push(...checkImageAutomation(t), ...checkLimits(t.file, "", t.quota, t.limits), ...checkEphemeral(t.file, "", t.quota));
  for (const [stage, o] of Object.entries(t.overrides)) {
    problems.push(...checkLimits(t.file, `overrides.${stage}.`, o.quota ?? t.quota, o.limits ?? t.limits), ...(o.quota ? checkEphemeral(t.file, `overrides.${stage}.`, o.quota) : []));
  }
  return problems;
}

/**
 * LimitRange defaults must fit the quota (else every container that relies on them is refused
 * once the first pod runs), and default requests must not exceed default limits (the API server
 * refuses such a LimitRange).
 */
function checkLimits(file: string, at: string, quota: Tenant["quota"], limits: Tenant["limits"]): Problem[] {
  if (!limits) return [];
  const problems: Problem[] = [];
  const add = (field: string, value: string, message: string) => problems.push({ file, field: `${at}limits.${field}`, value, message });
  if (quantityValue(limits.defaultCpu) > quantityValue(quota.cpu)) add("defaultCpu", limits.defaultCpu, `is more than the whole quota (${at}quota.cpu ${quota.cpu}); lower it or raise the quota`);
  if (quantityValue(limits.defaultMemory) > quantityValue(quota.memory)) add("defaultMemory", limits.defaultMemory, `is more than the whole quota (${at}quota.memory ${quota.memory}); lower it or raise the quota`);
  if (limits.defaultRequestCpu && quantityValue(limits.defaultRequestCpu) > quantityValue(limits.defaultCpu)) add("defaultRequestCpu", limits.defaultRequestCpu, `is more than defaultCpu (${limits.defaultCpu}); a request cannot exceed its limit`);
  if (limits.defaultRequestMemory && quantityValue(limits.defaultRequestMemory) > quantityValue(limits.defaultMemory)) add("defaultRequestMemory", limits.defaultRequestMemory, `is more than defaultMemory (${limits.defaultMemory}); a request cannot exceed its limit`);
  return problems;
}

/**
 * Every container without its own ephemeral-storage limit gets the LimitRange's default, and the
 * quota caps the sum of those limits: a quota below one default refuses every such pod.
 */
function checkEphemeral(file: string, at: string, quota: Tenant["quota"]): Problem[] {
  if (quantityValue(quota.ephemeralStorage) >= quantityValue(EPHEMERAL_DEFAULTS.limit)) return [];
  return [{ file, field: `${at}quota.ephemeralStorage`, value: quota.ephemeralStorage, message: `is less than the ${EPHEMERAL_DEFAULTS.limit} of scratch space each container is given by default (the namespace's LimitRange), so no pod could start; raise it to at least ${EPHEMERAL_DEFAULTS.limit}` }];
}

/** Entries of a tenant's list that repeat an earlier one: a problem at `field(i)`, its message naming the first. */
function repeats(t: Tenant, values: string[], field: (i: number) => string, message: (first: number) => string): Problem[] {
  const first = firstIndexes(values);
  return values.flatMap((v, i) => (first.get(v) !== i ? [{ file: t.file, field: field(i), value: v, message: message(first.get(v)!) }] : []));
}

/** A list entry that repeats an earlier one (a stage, owner or host listed twice). */
function listedTwice(t: Tenant, field: string, values: string[]): Problem[] {
  return repeats(t, values, (i) => `${field}[${i}]`, (first) => `is also ${field}[${first}]; list it once`);
}

function checkNames(names: string[], t: Tenant, field: string): Problem[] {
  return repeats(t, names, (i) => `${field}[${i}].name`, () => "is used twice; names must be unique");
}

/** Where each value first occurs (a map, so that a list of thousands of entries is not checked in quadratic time). */
function firstIndexes(values: string[]): Map<string, number> {
  const first = new Map<string, number>();
  values.forEach((v, i) => first.has(v) || first.set(v, i));
  return first;
}

function checkImageAutomation(t: Tenant): Problem[] {
  const problems: Problem[] = [];
  const ecrNames = ecrRepositories(t).map((r) => r.name);
  t.imageAutomation?.images.forEach((img, i) => {
    const at = `imageAutomation.images[${i}]`;
    const add = (field: string, value: unknown, message: string) => problems.push({ file: t.file, field: `${at}${field}`, value, message });
    if ((img.image === undefined) === (img.ecr === undefined)) add("", undefined, "needs exactly one of image (a registry path) or ecr (one of this tenant's ECR repositories)");
    if (img.ecr !== undefined && !ecrNames.includes(img.ecr)) add(".ecr", img.ecr, `is not one of this tenant's ecr repositories (${ecrNames.join(", ") || "none declared"}); add it under ecr:`);
    const semverError = "semver" in img.policy ? mastermindsRangeError(img.policy.semver) : undefined;
    if ("semver" in img.policy && semverError) {
      add(".policy.semver", img.policy.semver, `is not a semver range; write e.g. "^1.2.x", ">=1.0.0 <2.0.0" or "^0.3.x-0" (Flux reads it with Masterminds/semver: ${semverError})`);
    }
    if (img.filterTags) problems.push(...checkFilterTags(img.filterTags, t.file, `${at}.filterTags`));
  });
  if (t.imageAutomation) problems.push(...checkNames(t.imageAutomation.images.map((i) => i.name), t, "imageAutomation.images"));
  return problems;
}

/**
 * Flux compiles the pattern with Go's regexp (RE2 syntax) and builds the tag from `extract` with Go's
 * `Regexp.Expand`: the pattern must compile there, whatever JavaScript thinks of it, and every
 * `$name`/`${name}`/`$1` in extract must be a group of the pattern (Go would silently put nothing).
 */
function checkFilterTags(f: { pattern: string; extract?: string }, file: string, field: string): Problem[] {
  const re = compileGoRegex(f.pattern);
  if (!re.ok) {
    const why = re.unsupported
      ? `is not a valid regular expression for Go's RE2, the engine Flux uses: it has ${UNSUPPORTED[re.unsupported]}, which Go's RE2 does not support; match the tags with plain groups and character classes instead`
      : `is not a valid regular expression for Go's RE2, the engine Flux uses (${re.reason})`;
    return [{ file, field: `${field}.pattern`, value: f.pattern, message: why }];
  }
  if (f.extract === undefined) return [];
  const refs = expandReferences(f.extract);
  if (refs.length === 0) {
    return [{ file, field: `${field}.extract`, value: f.extract, message: "names no group; write it as \"$name\" for a (?P<name>...) group of the pattern" }];
  }
  const known = (r: string) => (/^[0-9]+$/.test(r) ? Number(r) <= re.groups : re.names.includes(r));
  return refs
    .filter((r) => !known(r))
    .map((r) => ({ file, field: `${field}.extract`, value: f.extract, message: `refers to group "${r}" that the pattern does not define (groups: ${re.names.join(", ") || "none"})` }));
}

const UNSUPPORTED = {
  lookahead: "a lookahead ((?=...) or (?!...))",
  lookbehind: "a lookbehind ((?<=...) or (?<!...))",
  backreference: "a backreference (\\1 ... \\9)",
  possessive: "a possessive quantifier (*+, ++, ?+)",
};

/** One ECR repository per name: the same name twice is one AWS repository (and one URN) claimed twice. */
function checkEcrNames(t: Tenant): Problem[] {
  const names = ecrRepositories(t).map((r) => r.name);
  const firsts = firstIndexes(names);
  return names.flatMap((n, i) => {
    const first = firsts.get(n)!;
    return first !== i ? [{ file: t.file, field: `ecr[${i}]`, value: n, message: `is also ecr[${first}]; the ECR repository ${t.name}/${n} can be declared once; remove one entry` }] : [];
  });
}

/**
 * A namespace named after another tenant reads as that tenant's (`kubectl -n app-b` would show
 * app-a's objects, and app-b could never take its own name as namespace): refused, naming both.
 */
function checkNamespaceNames(tenants: Tenant[]): Problem[] {
  // A name or namespace used twice is reported by checkUnique, and not again here.
  return tenants.flatMap((t) => tenants.filter((o) => o.name === t.namespace && o.name !== t.name && o.namespace !== t.namespace).flatMap((other) => [
      { file: t.file, field: "namespace", value: t.namespace, message: `is the name of another tenant (${other.file}), whose namespace is ${other.namespace}; a namespace named after another tenant is mistaken for it; choose a namespace of this tenant's own` },
      { file: other.file, field: "name", value: other.name, message: `is also the namespace of ${t.file}; a namespace named after another tenant is mistaken for it; one of the two must change` },
  ]));
}

function checkUnique(tenants: Tenant[], key: "name" | "namespace"): Problem[] {
  const byValue = new Map<string, Tenant[]>();
  for (const t of tenants) byValue.set(t[key], [...(byValue.get(t[key]) ?? []), t]);
  return [...byValue.entries()]
    .filter(([, ts]) => ts.length > 1)
    .flatMap(([value, ts]) =>
      ts.map((t) => ({
        file: t.file,
        field: key,
        value,
        message: `is also used by ${ts.filter((o) => o !== t).map((o) => o.file).join(", ")}; every tenant needs its own ${key}`,
      })),
    );
}
