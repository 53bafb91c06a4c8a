import * as fs from "node:fs";
import * as path from "node:path";
import { ValidationError, type Problem } from "./errors";
import { closest, problemsFromIssues } from "./issues";
import { isExisting, stackSchema, type StackConfig } from "./stack-schema";
import { SYSTEM_NAMESPACES } from "./objects/meta";
import { ADDON_NAMESPACES } from "./objects/addons";
import { loadTenants, type Tenant } from "./tenants";
import { pathKey, readYamlMapping } from "./yaml-file";
import { checkHosts, checkImageAutomation, checkReceivers } from "./stage-rules";
import { checkQuotaCapacity } from "./capacity";
import { checkStack, checkStackFileKeys, CONFIG_NAMESPACE } from "./stack-rules";

export { CONFIG_NAMESPACE };

/**
 * Secret config keys are read by the program where they are used (per tenant), not by the stack
 * schema, so they are allowed beside it: `slackWebhook-<tenant>` and `githubStatusToken-<tenant>`.
 * Each is one tenant's: a credential sealed into one namespace is never the same secret as
 * another namespace's (a team that can read its own Secrets must not hold another team's token).
 */
export const SECRET_KEY = {
  slackWebhook: (tenant: string) => `slackWebhook-${tenant}`,
  githubStatusToken: (tenant: string) => `githubStatusToken-${tenant}`,
};
export const isSecretKey = (k: string) => k.startsWith("slackWebhook-") || k.startsWith("githubStatusToken-");

/** Provider config keys that hold credentials: set only with --secret, like this program's own. */
export const SECRET_PROVIDER_KEYS = ["github:token", "aws:secretKey", "aws:accessKey", "aws:token"];

/** A config value `pulumi config set --secret` wrote: a mapping of exactly `secure: <ciphertext>`. */
const isEncrypted = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && typeof (v as { secure?: unknown }).secure === "string";

export interface LoadedProject {
  stackName: string;
  stack: StackConfig;
  /** Every tenant file, whether or not it lands on this stack's stage. */
  tenants: Tenant[];
  knownStages: string[];
}

export const stackFileName = (stack: string) => `Pulumi.${stack}.yaml`;

/**
 * Validates stack config and tenant files together and throws one ValidationError listing every
 * problem, so nothing is registered while anything is wrong.
 *
 * @param config the stack's `platform:` config values (keys without the namespace), as Pulumi
 *   gives them; read from `Pulumi.<stack>.yaml` when omitted (the CI driver's case).
 */
export function loadProject(opts: { projectDir: string; stack: string; tenantsDir?: string; config?: Record<string, unknown> }): LoadedProject {
  const file = stackFileName(opts.stack);
  // Every stack file read once: the stages they declare, this stack's own, and the others' clusters.
  const stackFiles = new Map(stacksOf(opts.projectDir).map((s) => [s, readStackFile(opts.projectDir, s)]));
  const own = stackFiles.get(opts.stack) ?? readStackFile(opts.projectDir, opts.stack);
  const knownStages = stagesOf([...stackFiles.values()]);
  let raw = opts.config;
  let sources: Map<string, string> | undefined;
  const problems: Problem[] = [];
  if (raw === undefined) {
    problems.push(...own.problems);
    raw = own.config;
    sources = own.sources;
  } else {
    // Pulumi passes only the keys it understood; a misspelt namespace is visible in the file alone.
    problems.push(...stackFileKeyProblems(opts.projectDir, opts.stack));
  }
  // A tenants folder outside the project is never read (a hostile path could name any folder).
  const outside = tenantsDirOutside(opts.projectDir, own.config?.tenantsDir, file);
  problems.push(...outside);
  // A stack file that is missing or unreadable has already been reported; validating the nothing it
  // yielded would add a "required" problem per field, burying the one that matters.
  const stack = raw === undefined ? undefined : parseStackConfig(raw, file, problems, sources);
  const tenantsDir = opts.tenantsDir ?? path.resolve(opts.projectDir, stack?.tenantsDir ?? "tenants");
  const display = path.relative(opts.projectDir, tenantsDir) || ".";
  const loaded = outside.length > 0 ? { problems: [], tenants: [] } : loadTenants(tenantsDir, {
    knownStages: stack && !knownStages.includes(stack.stage) ? [...knownStages, stack.stage].sort() : knownStages,
    reservedNamespaces: [...new Set([...SYSTEM_NAMESPACES, ...ADDON_NAMESPACES, stack?.sealedSecrets.namespace ?? "sealed-secrets", stack?.ingressNamespace ?? "ingress-nginx"])],
    // A stack file that did not load declares no stage: judging tenants' stages without it would
    // call the stack's own stage unknown in every tenant file.
    stagesUnknown: stack === undefined ? true : undefined,
  }, display.startsWith("..") ? tenantsDir : display);
  problems.push(...loaded.problems);
  // Judged only when every tenant file loaded: a tenant with a broken file is still a tenant.
  if (loaded.problems.length === 0) problems.push(...secretsOfNoTenant(Object.keys(raw ?? {}), loaded.tenants, file));
  if (stack) {
    problems.push(...checkImageAutomation(stack, file, loaded.tenants), ...checkHosts(stack, file, loaded.tenants), ...checkReceivers(stack, file));
    problems.push(...checkRepositories(stack, file, loaded.tenants), ...checkPrivileged(stack, file, loaded.tenants));
    problems.push(...checkStack(stack, file, opts.projectDir), ...checkQuotaCapacity(stack, file, loaded.tenants));
    problems.push(...clustersOfOtherStacks(stackFiles, opts.stack, stack, file));
  }
  if (problems.length > 0 || !stack) throw new ValidationError(problems);
  return { stackName: opts.stack, stack, tenants: loaded.tenants, knownStages };
}

/**
 * A secret config key names its tenant (`slackWebhook-<tenant>`); one naming no tenant is read by
 * no one, and is most likely a typo that leaves the real tenant without its secret.
 */
function secretsOfNoTenant(keys: string[], tenants: Tenant[], file: string): Problem[] {
  const names = tenants.map((t) => t.name);
  return keys.filter(isSecretKey).flatMap((key) => {
    const dash = key.indexOf("-");
    const [kind, tenant] = [key.slice(0, dash), key.slice(dash + 1)];
    if (names.includes(tenant)) return [];
    const guess = closest(tenant, names);
    return [{ file, field: `${CONFIG_NAMESPACE}:${key}`, message: `is the secret of tenant "${tenant}", but no tenant file declares that name (probably a typo${guess ? `: did you mean ${kind}-${guess}?` : ""}); set it under the tenant's name with pulumi config set --secret ${kind}-<tenant> <value>, and remove this one with pulumi config rm ${CONFIG_NAMESPACE}:${key}` }];
  });
}

function parseStackConfig(raw: Record<string, unknown>, file: string, problems: Problem[], sources?: Map<string, string>): StackConfig | undefined {
  const input = Object.fromEntries(Object.entries(raw).filter(([k]) => !isSecretKey(k) && k !== "githubStatusToken"));
  if ("githubStatusToken" in raw) {
    problems.push({ file, field: `${CONFIG_NAMESPACE}:githubStatusToken`, message: "one commit-status token for every tenant would be sealed into every namespace that uses it; set one per tenant: pulumi config set --secret githubStatusToken-<tenant> <token of that tenant's repository>" });
  }
  const result = stackSchema.safeParse(input);
  if (result.success) {
    problems.push(...checkClusters(result.data, file));
    return result.data;
  }
  const prefixed = problemsFromIssues(result.error.issues, file, input, stackSchema, [], sources).map((p) => ({
    ...p,
    field: p.field ? `${CONFIG_NAMESPACE}:${p.field}` : p.field,
  }));
  problems.push(...prefixed);
  return undefined;
}

function checkClusters(stack: StackConfig, file: string): Problem[] {
  const names = stack.clusters.map((c) => c.name);
  const duplicates = names.flatMap((n, i) =>
    names.indexOf(n) !== i
      ? [{ file, field: `${CONFIG_NAMESPACE}:clusters[${i}].name`, value: n, message: "is used by another cluster of this stack; cluster names must be unique" }]
      : [],
  );
  // EKS makes the identity that creates a cluster its admin (an access entry pulumi-eks cannot
  // turn off); a second entry for the same role is refused by AWS with 409 Conflict.
  const deployer = stack.deployerRoleArn;
  const collisions = deployer === undefined ? [] : stack.clusters.flatMap((c, i) =>
    isExisting(c) ? [] : c.adminRoleArns.flatMap((arn, j) => (arn === deployer
      ? [{ file, field: `${CONFIG_NAMESPACE}:clusters[${i}].adminRoleArns[${j}]`, value: arn, message: "is the deployerRoleArn, which EKS already makes admin of the clusters it creates (a second access entry fails with 409); remove it from adminRoleArns" }]
      : [])),
  );
  return [...duplicates, ...collisions];
}

/** Pod Security `privileged` lets a pod take over its node (and every tenant on it): by name only. */
function checkPrivileged(stack: StackConfig, stackFile: string, tenants: Tenant[]): Problem[] {
  return tenantsOnStage(tenants, stack.stage)
    .filter((t) => t.podSecurity.enforce === "privileged" && !stack.privilegedTenants.includes(t.name))
    .map((t) => ({ file: t.file, field: "podSecurity.enforce", value: "privileged", message: `lets pods take over their node; only tenants listed in platform:privilegedTenants of ${stackFile} may use it; use "baseline"` }));
}

/**
 * A tenant's repository gets a deploy key and is applied into its namespace, so the repository
 * decides what runs there: it must be one the stack allows, never the fleet (applied as
 * cluster-admin) or an excluded one, and belong to one tenant unless shared read-only with
 * everyone's consent (each sharing tenant lists the others in `source.sharedWith`).
 */
function checkRepositories(stack: StackConfig, stackFile: string, tenants: Tenant[]): Problem[] {
  const problems: Problem[] = [];
  const key = (r: string) => r.toLowerCase();
  const allowed = stack.tenantRepositories;
  const owners = (allowed.owners.length > 0 ? allowed.owners : [stack.fleet.repository.split("/")[0]]).map(key);
  const singles = allowed.repositories.map(key);
  const forbidden = new Map<string, string>([[key(stack.fleet.repository), "is the fleet repository, which Flux applies as cluster-admin"]]);
  for (const r of allowed.exclude) forbidden.set(key(r), `is excluded by ${stackFile} (platform:tenantRepositories.exclude)`);
  const onStage = tenantsOnStage(tenants, stack.stage);
  for (const t of onStage) {
    const repo = key(t.source.repository);
    const add = (message: string) => problems.push({ file: t.file, field: "source.repository", value: t.source.repository, message });
    if (forbidden.has(repo)) add(`${forbidden.get(repo)}; a tenant may not use it`);
    else if (!owners.includes(repo.split("/")[0]) && !singles.includes(repo)) {
      add(`is not a repository tenants may use on stage ${stack.stage} (owners ${owners.join(", ")}${singles.length ? `; repositories ${singles.join(", ")}` : ""}); ask the platform team to add it to platform:tenantRepositories in ${stackFile}`);
    }
  }
  // Across every tenant file, whatever its stages: a team on one stage may not claim a repository
  // another team deploys on another.
  const byRepo = new Map<string, Tenant[]>();
  for (const t of tenants) byRepo.set(key(t.source.repository), [...(byRepo.get(key(t.source.repository)) ?? []), t]);
  for (const users of byRepo.values()) {
    if (users.length < 2) continue;
    for (const t of users) {
      const others = users.filter((u) => u !== t);
      const add = (field: string, message: string) => problems.push({ file: t.file, field, value: t.source.repository, message });
      const missing = others.filter((o) => !t.source.sharedWith.includes(o.name));
      if (missing.length > 0) {
        add("source.repository", `is also used by ${missing.map((o) => o.file).join(", ")}; a repository belongs to one tenant unless every tenant using it lists the others in source.sharedWith`);
      } else if (users.some((u) => u.imageAutomation)) {
        add("source.sharedWith", "a shared repository is read-only, but a tenant sharing it uses imageAutomation (a write key); give image automation its own repository");
      }
    }
  }
  return problems;
}

/** A stack file as read: its `platform:` keys, its problems, and how its numbers were written. */
interface StackFile { config?: Record<string, unknown>; problems: Problem[]; sources?: Map<string, string> }

/** Reads the `platform:` keys of `Pulumi.<stack>.yaml` the way Pulumi presents them to a program. */
export function readStackFile(projectDir: string, stack: string): StackFile {
  const file = stackFileName(stack);
  const full = path.join(projectDir, file);
  if (!fs.existsSync(full)) {
    const known = stacksOf(projectDir);
    return { problems: [{ file, field: "", message: `not found; known stacks: ${known.join(", ") || "none"}` }] };
  }
  const parsed = readYamlMapping(full, file);
  if (!parsed.value) return { problems: parsed.problems };
  const config = (parsed.value as { config?: Record<string, unknown> }).config ?? {};
  const prefix = `${CONFIG_NAMESPACE}:`;
  // A secret written in plain text is in Git for everyone who can read the repository. Its value
  // is never repeated here.
  const plain = Object.entries(config).filter(([k, v]) => ((SECRET_PROVIDER_KEYS.includes(k) || /^github:token-/.test(k)) || (k.startsWith(prefix) && isSecretKey(k.slice(prefix.length)))) && !isEncrypted(v));
  // How numbers were written, by their path under `platform:` (as the config is validated).
  const sources = new Map([...(parsed.sources ?? [])].flatMap(([key, written]) => {
    const [top, name, ...rest] = key.split("\u0000");
    return top === "config" && name?.startsWith(prefix) ? [[pathKey([name.slice(prefix.length), ...rest]), written] as [string, string]] : [];
  }));
  return {
    sources,
    config: Object.fromEntries(Object.entries(config).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])),
    problems: [
      ...checkStackFileKeys(parsed.value as Record<string, unknown>, file),
      ...plain.map(([k, v]) => ({ file, field: k, message: `${v !== null && typeof v === "object" && !Array.isArray(v) ? "is a secret written as a mapping without secure:, which Pulumi does not encrypt" : "is a secret written in plain text"}; remove it from ${file} and run: pulumi config set --secret ${k} <value> (then rotate it: it is in Git history)` })),
    ],
  };
}

/** The key problems of the stack file on disk, if there is one (its other problems are Pulumi's to report). */
function stackFileKeyProblems(projectDir: string, stack: string): Problem[] {
  const file = stackFileName(stack);
  const full = path.join(projectDir, file);
  if (!fs.existsSync(full)) return [];
  const parsed = readYamlMapping(full, file);
  return parsed.value ? checkStackFileKeys(parsed.value as Record<string, unknown>, file) : [];
}

/**
 * Stacks that share a fleet repository write `clusters/<name>` of it: a cluster name another
 * stack already uses there would make two stacks overwrite one cluster's fleet folder.
 */
function clustersOfOtherStacks(stackFiles: Map<string, StackFile>, stackName: string, stack: StackConfig, file: string): Problem[] {
  const repo = stack.fleet.repository.toLowerCase();
  const problems: Problem[] = [];
  for (const [other, read] of [...stackFiles].filter(([s]) => s !== stackName)) {
    const config = read.config as { fleet?: { repository?: unknown }; clusters?: unknown } | undefined;
    if (String(config?.fleet?.repository ?? "").toLowerCase() !== repo || !Array.isArray(config?.clusters)) continue;
    const names = new Set((config.clusters as { name?: unknown }[]).map((c) => c?.name));
    stack.clusters.forEach((c, i) => {
      if (names.has(c.name)) problems.push({ file, field: `${CONFIG_NAMESPACE}:clusters[${i}].name`, value: c.name, message: `is also a cluster of ${stackFileName(other)}, which syncs from the same fleet repository (${stack.fleet.repository}); both would write clusters/${c.name}, so give each cluster a name of its own` });
    });
  }
  return problems;
}

/** `platform:tenantsDir` as the stack file writes it: a folder of this project, so a pull request shows every tenant file. */
function tenantsDirOutside(projectDir: string, dir: unknown, file: string): Problem[] {
  if (typeof dir !== "string") return [];
  const relative = path.relative(projectDir, path.resolve(projectDir, dir));
  if (!path.isAbsolute(dir) && relative !== "" && !relative.startsWith("..")) return [];
  return [{ file, field: `${CONFIG_NAMESPACE}:tenantsDir`, value: dir, message: "is not a folder inside this project; tenant files must be reviewed in this repository's pull requests, so use a relative path such as \"tenants\"" }];
}

/** Every stack of the project: the `<name>` of each `Pulumi.<name>.yaml`. */
export function stacksOf(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

/** The stages the project knows: the `platform:stage` of every stack file. */
function stagesOf(stackFiles: StackFile[]): string[] {
  const stages = stackFiles.map((f) => f.config?.stage).filter((s): s is string => typeof s === "string");
  return [...new Set(stages)].sort();
}

/** The tenants that land on a stage and are not being removed from it. */
export function tenantsOnStage(tenants: Tenant[], stage: string): Tenant[] {
  return tenants.filter((t) => t.stages.includes(stage));
}

/** A secret config key some tenant feature needs, and who needs it. */
export interface SecretNeed {
  key: string;
  file: string;
  field: string;
}

/** Secret config keys the tenants on a stage need (Slack webhooks, the commit-status token). */
export function requiredSecrets(tenants: Tenant[], stage: string): SecretNeed[] {
  return tenantsOnStage(tenants, stage)
    .filter((t) => !t.decommission)
    .flatMap((t) => [
      ...(t.notifications?.slack ? [{ key: SECRET_KEY.slackWebhook(t.name), file: t.file, field: "notifications.slack" }] : []),
      ...(t.notifications?.githubCommitStatus ? [{ key: SECRET_KEY.githubStatusToken(t.name), file: t.file, field: "notifications.githubCommitStatus" }] : []),
    ]);
}

/** Problems for every needed secret the stack does not have, each with the command that fixes it. */
export function missingSecrets(needs: SecretNeed[], has: (key: string) => boolean, stack: string): Problem[] {
  return needs
    .filter((n) => !has(n.key))
    .map((n) => ({
      file: n.file,
      field: n.field,
      message: `needs the secret config key ${CONFIG_NAMESPACE}:${n.key} in stack ${stack}; set it with: pulumi config set --secret --stack ${stack} ${n.key} <value>`,
    }));
}

/** Config key of the GitHub token for one owner; a GitHub App installation token covers one owner only. */
export const githubTokenKey = (owner: string) => `github:token-${owner}`;

/** The GitHub owners a stack writes to: the fleet repository's, and each live tenant's repository's on the stage. */
export function githubOwners(stack: Pick<StackConfig, "fleet" | "stage">, tenants: Tenant[]): string[] {
  const live = tenantsOnStage(tenants, stack.stage).filter((t) => !t.decommission);
  return [...new Set([stack.fleet.repository, ...live.map((t) => t.source.repository)].map((r) => r.split("/")[0]))];
}

/**
 * Every owner needs a token: its own (`github:token-<owner>`), else the stack's `github:token`,
 * else `GITHUB_TOKEN`. Without one, the first GitHub write of the owner fails halfway through `up`.
 */
export function missingGithubTokens(owners: string[], has: (key: string) => boolean, stack: string, file: string): Problem[] {
  if (has("github:token")) return [];
  return owners.filter((o) => !has(githubTokenKey(o))).map((o) => ({
    file,
    field: githubTokenKey(o),
    message: `no GitHub token for owner ${o} (its repositories get deploy keys, webhooks or fleet files): set one with: pulumi config set --secret --stack ${stack} ${githubTokenKey(o)} <token of the GitHub App installation on ${o}>, or github:token / GITHUB_TOKEN for one token that can write to every owner`,
  }));
}
