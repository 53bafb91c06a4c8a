import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { formatProblem, isValidationError, type Problem } from "../../lib/errors";
import { scansEcr } from "../../lib/objects/image";
import { clusterContexts, type ClusterContext, type ResolvedValues } from "../../lib/objects/context";
import { names, type K8sObject } from "../../lib/objects/meta";
import { ADDON_NAMESPACES } from "../../lib/objects/addons";
import { usesWebhook } from "../../lib/objects/notifications";
import { tenantObjects } from "../../lib/objects/tenant";
import { loadProject } from "../../lib/project";
import { resolveForStage, type StageTenant } from "../../lib/resolve";
import { tenantSchema, type TenantFileInput } from "../../lib/tenant-schema";
import { SYSTEM_NAMESPACES } from "../../lib/objects/meta";
import { checkTenant, loadTenants, type Tenant, type TenantCheckContext } from "../../lib/tenants";

/** The repository root (the Pulumi project). */
export const ROOT = path.join(__dirname, "..", "..");

/** What `loadProject` passes for the shipped stacks: stages dev and prod, the default platform namespaces. */
export const CHECK_CONTEXT: TenantCheckContext = {
  knownStages: ["dev", "prod"],
  reservedNamespaces: [...new Set([...SYSTEM_NAMESPACES, ...ADDON_NAMESPACES, "sealed-secrets", "ingress-nginx"])],
};

let scratchRoot: string | undefined;

/** A fresh directory under the OS temp folder, removed when the test process exits. */
export function tempDir(prefix = "case"): string {
  if (!scratchRoot) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "platform-tests-"));
    scratchRoot = root;
    process.once("exit", () => fs.rmSync(root, { recursive: true, force: true }));
  }
  return fs.mkdtempSync(path.join(scratchRoot, `${prefix}-`));
}

/** Writes `files` (name → content) into a fresh directory and returns it. */
export function writeFiles(files: Record<string, string | Buffer>, prefix?: string): string {
  const dir = tempDir(prefix);
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

/** Loads a folder of tenant files the way the program does, shown to users as `tenants/<file>`. */
export function loadTenantFiles(files: Record<string, string | Buffer>, ctx: TenantCheckContext = CHECK_CONTEXT) {
  const dir = writeFiles(files, "tenants");
  const result = loadTenants(dir, ctx, "tenants");
  return { ...result, lines: result.problems.map(formatProblem) };
}

/** The formatted problems of a `loadProject` call; an empty list when it succeeds. */
export function projectProblems(opts: Parameters<typeof loadProject>[0]): string[] {
  try {
    loadProject(opts);
    return [];
  } catch (e) {
    if (!isValidationError(e)) throw e;
    return e.problems.map(formatProblem);
  }
}

/** A temporary project: the shipped stack files (optionally replaced) and a tenants/ folder. */
export function tempProject(files: Record<string, string | Buffer> = {}): string {
  const shipped = {
    "Pulumi.dev.yaml": fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml")),
    "Pulumi.prod.yaml": fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml")),
  };
  const dir = writeFiles({ ...shipped, ...files }, "project");
  fs.mkdirSync(path.join(dir, "tenants"), { recursive: true });
  return dir;
}

export const formatAll = (problems: Problem[]): string[] => problems.map(formatProblem);

/** The smallest valid tenant file content, as an object to spread changes into. */
export function minimalTenant(name: string): TenantFileInput {
  return { name, owners: ["team-a"], source: { repository: `acme/${name}` }, quota: { cpu: "1", memory: "1Gi" } };
}

/**
 * A tenant as `loadTenants` would return it, from file content given as an object. Throws when the
 * content is not valid, so a builder test never runs on a tenant the program would refuse.
 */
export function tenantFrom(input: TenantFileInput, ctx: TenantCheckContext = CHECK_CONTEXT): Tenant {
  const parsed = tenantSchema.parse(input);
  const t: Tenant = { ...parsed, file: `tenants/${parsed.name}.yaml`, namespace: parsed.namespace ?? parsed.name, stages: parsed.stages ?? ctx.knownStages };
  const problems = checkTenant(t, parsed.name, ctx);
  if (problems.length > 0) throw new Error(`invalid test tenant:\n${problems.map(formatProblem).join("\n")}`);
  return t;
}

/** The shipped example tenants in tenants/, validated as the program does. */
export function exampleTenants(): Tenant[] {
  const { tenants, problems } = loadTenants(path.join(ROOT, "tenants"), CHECK_CONTEXT, "tenants");
  if (problems.length > 0) throw new Error(problems.map(formatProblem).join("\n"));
  return tenants;
}

/** The clusters of the shipped stacks as builders see them. */
export function shippedContexts(): ClusterContext[] {
  return ["dev", "prod"].flatMap((stack) => {
    const { stack: config } = loadProject({ projectDir: ROOT, stack });
    return clusterContexts(config);
  });
}

/** A ciphertext as the controller's format starts (`AgB…`); its content does not matter to builders. */
const ciphertext = (label: string) => `AgB${Buffer.from(label).toString("base64")}`;

/**
 * What the Tenant component resolves before calling the builders: a sealed value for every secret
 * the tenant's features need (see `names`), and a URL per ECR repository.
 */
export function resolvedValues(t: StageTenant, ctx: ClusterContext): ResolvedValues {
  const sealed: Record<string, Record<string, string>> = {
    [names.deployKeySecret(t.name)]: { identity: ciphertext("identity"), "identity.pub": ciphertext("pub"), known_hosts: ciphertext("hosts") },
  };
  if (usesWebhook(t, ctx)) sealed[names.webhookSecret(t.name)] = { token: ciphertext("token") };
  if (t.notifications?.slack) sealed[names.slackSecret(t.name)] = { address: ciphertext("slack") };
  if (t.notifications?.githubCommitStatus) sealed[names.githubStatusSecret(t.name)] = { token: ciphertext("github") };
  const ecrUrls = Object.fromEntries(t.ecr.map((r) => (typeof r === "string" ? r : r.name)).map((r) => [r, ecrUrl(t.name, r)]));
  return { sealed, ecrUrls, ...(scansEcr(t) ? { ecrReaderRoleArn: `arn:aws:iam::111122223333:role/flux-ecr-reader-${t.name}` } : {}) };
}

export const ecrUrl = (tenant: string, repo: string) => `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${tenant}/${repo}`;

export interface Built {
  tenant: StageTenant;
  ctx: ClusterContext;
  objects: K8sObject[];
}

/** Every object of a tenant on a cluster, built with the values the component would resolve. */
export function build(t: Tenant, ctx: ClusterContext): Built {
  const tenant = resolveForStage(t, ctx.stage);
  return { tenant, ctx, objects: tenantObjects(tenant, ctx, resolvedValues(tenant, ctx)) };
}

/** Every tenant on every cluster of its stages. */
export function buildAll(tenants: Tenant[], contexts: ClusterContext[]): Built[] {
  return tenants.flatMap((t) => contexts.filter((c) => t.stages.includes(c.stage)).map((c) => build(t, c)));
}

/** A kubeconfig file holding `contexts` (names only: validation reads no more), in a fresh directory. */
export function writeKubeconfig(contexts: string[], name = "config"): string {
  const file = path.join(tempDir("kube"), name);
  fs.writeFileSync(file, `apiVersion: v1\nkind: Config\ncontexts:\n${contexts.map((c) => `  - name: ${c}\n    context: {cluster: ${c}, user: ${c}}\n`).join("") || "  []\n"}`);
  return file;
}

/** Runs `fn` with environment variables set (undefined: unset), restoring them afterwards, also on failure. */
export function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const set = (vs: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(vs)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  set(vars);
  try {
    return fn();
  } finally {
    set(saved);
  }
}
