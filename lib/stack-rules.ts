import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Region } from "@pulumi/aws/types/enums";
import * as semver from "semver";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { Problem } from "./errors";
import { mastermindsRangeError } from "./go-syntax";
import { closest } from "./issues";
import { ipv4, parseCidr, type Cidr } from "./network";
import { SYSTEM_NAMESPACES } from "./objects/meta";
import { ADDON_NAMESPACES } from "./objects/addons";
import type { StackConfig } from "./stack-schema";

/**
 * Stack-file rules beyond the shape of each field: facts about AWS, EKS and Flux (regions, versions,
 * networks) and rules across clusters. Each fact is a table here, with where it comes from.
 */

/**
 * The config namespace of this project (`platform:` keys in `Pulumi.<stack>.yaml`). Declared here,
 * the module the stack schema reads its rules from, so both use it without an import cycle.
 */
export const CONFIG_NAMESPACE = "platform";

// ---- Regions ------------------------------------------------------------------------------------

/** Every region the AWS provider this program uses knows (`@pulumi/aws`'s Region enum). */
export const AWS_REGIONS: readonly string[] = Object.values(Region);

export const awsRegion = z.string().superRefine((v, ctx) => {
  if (AWS_REGIONS.includes(v)) return;
  const guess = closest(v, [...AWS_REGIONS]);
  ctx.addIssue({ code: "custom", message: `not an AWS region, e.g. "eu-west-1"${guess ? `; did you mean "${guess}"?` : ""}` });
});

// ---- Kubernetes versions ------------------------------------------------------------------------

/**
 * The Kubernetes minors EKS lets a cluster be created on (standard or extended support) as of
 * November 2026: 1.31's extended support ends 2026-11-26, 1.32's 2027-03-23, 1.33's 2027-07-29,
 * 1.34's 2027-12-02, 1.35's 2028-03-27. Newer minors are left out until the real-engine harness
 * (engines/kubernetes, 1.35) runs them: `test/engines.test.ts` holds every stack to it.
 */
export const EKS_KUBERNETES_VERSIONS = ["1.32", "1.33", "1.34", "1.35"];

export const eksKubernetesVersion = z.string()
  .regex(/^1\.\d{2}$/, { error: "not a Kubernetes minor version, e.g. \"1.35\"", abort: true })
  .refine((v) => EKS_KUBERNETES_VERSIONS.includes(v), {
    error: `is not a Kubernetes version EKS supports; use one of ${EKS_KUBERNETES_VERSIONS.join(", ")}`,
  });

// ---- IPv4 networks ------------------------------------------------------------------------------

const overlaps = (a: Cidr, b: Cidr) => a.start < b.start + b.size && b.start < a.start + a.size;

/** Private ranges (RFC 1918) and shared address space (RFC 6598), where a VPC hides no one on the internet. */
const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"].map((c) => parseCidr(c)!);

const isPrivate = (c: Cidr) => PRIVATE_RANGES.some((p) => c.start >= p.start && c.start + c.size <= p.start + p.size);

const alignment = (c: Cidr & { address: number }, v: string) =>
  c.address === c.start ? undefined : `has host bits set; the network is ${ipv4(c.start)}/${c.bits}, so write that (AWS refuses ${v})`;

/** A VPC range: /16 to /24 (the subnets are carved from it), network-aligned, private. */
export const vpcCidr = z.string().superRefine((v, ctx) => {
  const c = parseCidr(v);
  if (!c || c.bits < 16 || c.bits > 24) {
    ctx.addIssue({ code: "custom", message: "not an IPv4 CIDR between /16 and /24" });
    return;
  }
  const misaligned = alignment(c, v);
  if (misaligned) ctx.addIssue({ code: "custom", message: misaligned });
  else if (!isPrivate(c)) {
    ctx.addIssue({ code: "custom", message: "is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10); inside the VPC it would hide those internet addresses from the cluster, so choose e.g. 10.20.0.0/16" });
  }
});

/** A CIDR rule: parsed, network-aligned, then `check` (a message when the range is wrong for its use). */
const cidrRule = (example: string, check: (c: Cidr) => string | undefined) => z.string().superRefine((v, ctx) => {
  const c = parseCidr(v);
  const problem = !c ? `not an IPv4 CIDR, e.g. ${example}` : alignment(c, v) ?? check(c);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** A range allowed to reach a public EKS endpoint, e.g. an office network. */
export const publicCidr = cidrRule('"203.0.113.0/24" (or "0.0.0.0/0" for any address)', (c) => (isPrivate(c)
  ? "is a private range, and EKS refuses private ranges for the public endpoint (they never arrive there); reach the cluster from inside its VPC through the private endpoint, or name the public addresses your traffic leaves from"
  : undefined));

/**
 * A network CI's runner reaches private EKS endpoints from: inside a VPC or routed to it (peering,
 * Transit Gateway, VPN), so private; a public range cannot arrive at a private endpoint.
 */
export const runnerCidr = cidrRule('"10.50.0.0/24" (the runner\'s subnet)', (c) => (isPrivate(c)
  ? undefined
  : "is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): a runner reaches a private endpoint only from inside the VPC or a network routed to it; name the runner's subnet, e.g. 10.50.0.0/24"));

// ---- Endpoint and node groups (refinements of one cluster) --------------------------------------

interface Endpoint { public: boolean; private: boolean; publicCidrs?: string[] }

/** EKS needs an endpoint; publicCidrs mean something only for a public one; nodes must reach one. */
export function checkEndpoint(e: Endpoint, ctx: z.RefinementCtx): void {
  if (!e.public && !e.private) {
    ctx.addIssue({ code: "custom", message: "has neither a public nor a private endpoint, and EKS needs one; set private: true (reachable inside the VPC) or public: true" });
    return;
  }
  if (e.publicCidrs === undefined) return;
  if (!e.public) {
    ctx.addIssue({ code: "custom", path: ["publicCidrs"], message: "limits who reaches the public endpoint, but public is false; remove publicCidrs or set public: true" });
  } else if (e.publicCidrs.length === 0) {
    ctx.addIssue({ code: "custom", path: ["publicCidrs"], message: "is empty; list the ranges that may reach the public endpoint, or leave publicCidrs out to allow any address" });
  } else if (!e.private && !e.publicCidrs.includes("0.0.0.0/0")) {
    ctx.addIssue({ code: "custom", path: ["publicCidrs"], message: "keeps the nodes out: without a private endpoint they reach the API through the NAT gateways' addresses, which these ranges do not include; set private: true as well" });
  }
}

/**
 * A refinement of a list whose entries must differ by `key`: each repeat is an issue at `path(i)`,
 * its message naming the first entry.
 */
export function listedOnce<T>(key: (x: T) => string, path: (i: number) => (string | number)[], message: (first: number) => string) {
  return (items: T[], ctx: z.RefinementCtx): void => {
    const keys = items.map(key);
    keys.forEach((k, i) => {
      const first = keys.indexOf(k);
      if (first !== i) ctx.addIssue({ code: "custom", path: path(i), input: k, message: message(first) });
    });
  };
}

/** Node group names are unique within a cluster (EKS refuses a second group of one name). */
export const checkNodeGroupNames = listedOnce((g: { name: string }) => g.name, (i) => [i, "name"], (first) => `is also nodeGroups[${first}].name; node group names must be unique within a cluster`);

/** An admin role listed twice would be a second access entry for it, which EKS refuses (409). */
export const checkAdminRolesOnce = listedOnce((a: string) => a, (i) => [i], (first) => `is also adminRoleArns[${first}]; EKS refuses a second access entry for one role (409), so list each role once`);

// ---- Flux ---------------------------------------------------------------------------------------

/**
 * Flux releases each Flux Operator release carries (`config/data/flux/v*` of its module, which the
 * operator installs from): all carry 2.2.3 up to the release listed here (2.8.4 was never released).
 */
const FLUX_RELEASES = [
  "2.2.3", "2.3.0", "2.4.0", "2.5.0", "2.5.1", "2.6.0", "2.6.1", "2.6.2", "2.6.3", "2.6.4",
  "2.7.0", "2.7.1", "2.7.2", "2.7.3", "2.7.4", "2.7.5", "2.8.0", "2.8.1", "2.8.2", "2.8.3", "2.8.5", "2.8.6", "2.8.7", "2.8.8",
  "2.9.0", "2.9.1", "2.9.2", "2.9.3", "2.9.4", "2.9.5",
];
export const NEWEST_FLUX_OF_OPERATOR: Record<string, string> = { "0.53.0": "2.9.0", "0.56.0": "2.9.3", "0.57.0": "2.9.3", "0.58.0": "2.9.4", "0.59.0": "2.9.5" };

/** The operator matches the range with Masterminds/semver; node-semver stands in for the match after rewriting its extra operators. */
const asNodeRange = (r: string) => r.replace(/,/g, " ").replace(/=>/g, ">=").replace(/=</g, "<=").replace(/~>/g, "~");

/** platform:flux.version must be a range the operator can parse and that some release it carries satisfies. */
function checkFluxVersion(stack: StackConfig, file: string): Problem[] {
  const { version, operatorChartVersion: operator } = stack.flux;
  const at = (message: string): Problem[] => [{ file, field: `${CONFIG_NAMESPACE}:flux.version`, value: version, message }];
  const error = mastermindsRangeError(version);
  if (error) return at(`is not a semver range the Flux Operator can read (${error}); write e.g. "2.9.x"`);
  const newest = NEWEST_FLUX_OF_OPERATOR[operator];
  if (!newest) return []; // an operator release not in the table: only the 2.9 rule of the schema applies
  const carried = FLUX_RELEASES.filter((r) => semver.lte(r, newest));
  const range = semver.validRange(asNodeRange(version));
  if (range && carried.some((r) => semver.satisfies(r, range))) return [];
  return at(`matches no Flux release the Flux Operator ${operator} carries (${carried[0]} to ${newest}); use e.g. "2.9.x"`);
}

// ---- Rules across the stack ---------------------------------------------------------------------

/**
 * Rules that need the whole validated stack: VPC ranges of a stack's clusters must not overlap (they
 * could never be peered or share a transit gateway); the Sealed Secrets namespace is the
 * controller's own; the Flux version is one the operator carries; a stack with a private-only
 * endpoint names the CI runner that reaches it; an existing cluster's kubeconfig (the one the stack
 * names, else the run's default) exists and has the context.
 */
export function checkStack(stack: StackConfig, file: string, projectDir: string): Problem[] {
  const problems: Problem[] = [];
  const clusters = stack.clusters.map((c, i) => ({ c, i }));
  const vpcs = clusters.flatMap(({ c, i }) => ("vpcCidr" in c ? [{ i, name: c.name, cidr: c.vpcCidr, range: parseCidr(c.vpcCidr) }] : []));
  for (const [k, a] of vpcs.entries()) {
    for (const b of vpcs.slice(0, k)) {
      if (a.range && b.range && overlaps(a.range, b.range)) {
        problems.push({ file, field: `${CONFIG_NAMESPACE}:clusters[${a.i}].vpcCidr`, value: a.cidr, message: `overlaps ${b.cidr}, the VPC of cluster ${b.name}; give each cluster of a stack its own range (e.g. 10.20.0.0/16, 10.30.0.0/16) so their networks can be connected` });
      }
    }
  }
  const ss = stack.sealedSecrets.namespace;
  // Namespaces the cluster or Flux own: the program must not create (and later delete) its own there.
  if (SYSTEM_NAMESPACES.includes(ss)) {
    problems.push({ file, field: `${CONFIG_NAMESPACE}:sealedSecrets.namespace`, value: ss, message: `belongs to ${ss === "flux-system" ? "Flux" : "Kubernetes"}; the Sealed Secrets controller gets a namespace of its own, which the program creates and deletes with the stack; use "sealed-secrets"` });
  } else if (ADDON_NAMESPACES.includes(ss)) {
    problems.push({ file, field: `${CONFIG_NAMESPACE}:sealedSecrets.namespace`, value: ss, message: "is the namespace of a shared add-on; the Sealed Secrets controller gets a namespace of its own, which the program creates and deletes with the stack; use \"sealed-secrets\"" });
  } else if (ss === stack.ingressNamespace) {
    problems.push({ file, field: `${CONFIG_NAMESPACE}:sealedSecrets.namespace`, value: ss, message: "is also platform:ingressNamespace; the Sealed Secrets controller gets a namespace of its own, which the program creates and deletes with the stack; use \"sealed-secrets\"" });
  }
  if (stack.ingressNamespace === "flux-system") {
    problems.push({ file, field: `${CONFIG_NAMESPACE}:ingressNamespace`, value: stack.ingressNamespace, message: "is Flux's namespace; name the namespace your ingress controller runs in, e.g. \"ingress-nginx\"" });
  }
  problems.push(...checkFluxVersion(stack, file), ...checkCiReach(stack, file), ...checkClusterNames(stack, file), ...checkPartitions(stack, file));
  for (const { c, i } of clusters) {
    if (!("existing" in c)) continue;
    problems.push(...(c.existing.kubeconfig !== undefined
      ? checkKubeconfig(c.existing, `${CONFIG_NAMESPACE}:clusters[${i}].existing.kubeconfig`, file, projectDir)
      : checkDefaultKubeconfig(c.existing.context, `${CONFIG_NAMESPACE}:clusters[${i}].existing.context`, file)));
  }
  return problems;
}

/**
 * Names that must not meet: a node group's resources are named `<cluster>-<group>`, so cluster
 * `dev` with group `a-b` and cluster `dev-a` with group `b` would register one name twice (a
 * failed `up`, not a plan); two clusters with one receiver host would take each other's webhooks.
 */
function checkClusterNames(stack: StackConfig, file: string): Problem[] {
  const problems: Problem[] = [];
  const seen = new Map<string, string>();
  stack.clusters.forEach((c, i) => {
    if (!("nodeGroups" in c)) return;
    c.nodeGroups.forEach((g, j) => {
      const field = `${CONFIG_NAMESPACE}:clusters[${i}].nodeGroups[${j}].name`;
      const name = `${c.name}-${g.name}`;
      const other = seen.get(name);
      if (other) problems.push({ file, field, value: g.name, message: `makes the resource name ${name}, as ${other} does; rename one node group` });
      else seen.set(name, field);
    });
  });
  const hosts = new Map<string, number>();
  stack.clusters.forEach((c, i) => {
    if (!c.receiver) return;
    const other = hosts.get(c.receiver.host);
    if (other !== undefined) problems.push({ file, field: `${CONFIG_NAMESPACE}:clusters[${i}].receiver.host`, value: c.receiver.host, message: `is also the receiver host of cluster ${stack.clusters[other].name}; GitHub would call one of them for both, so give each cluster its own host` });
    else hosts.set(c.receiver.host, i);
  });
  return problems;
}

/** The AWS partition of a region (`aws-cn` for China, `aws-us-gov` for GovCloud): role ARNs name it. */
const partitionOf = (region: string) => (region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws");

/** IAM roles live in one partition: a role of another partition cannot be used in the cluster's region. */
function checkPartitions(stack: StackConfig, file: string): Problem[] {
  const problems: Problem[] = [];
  const arnPartition = (arn: string) => arn.split(":")[1];
  stack.clusters.forEach((c, i) => {
    if (!("region" in c)) return;
    const partition = partitionOf(c.region);
    const wrong = (arn: string | undefined) => arn !== undefined && arnPartition(arn) !== partition;
    const message = (arn: string) => `is a role of partition ${arnPartition(arn)}, but cluster ${c.name} is in ${c.region} (partition ${partition}); use arn:${partition}:iam::…`;
    if (wrong(stack.deployerRoleArn)) problems.push({ file, field: `${CONFIG_NAMESPACE}:deployerRoleArn`, value: stack.deployerRoleArn, message: message(stack.deployerRoleArn!) });
    c.adminRoleArns.forEach((arn, j) => {
      if (wrong(arn)) problems.push({ file, field: `${CONFIG_NAMESPACE}:clusters[${i}].adminRoleArns[${j}]`, value: arn, message: message(arn) });
    });
  });
  return problems;
}

// ---- How CI reaches the clusters ----------------------------------------------------------------

/** Labels that pick a GitHub-hosted runner (docs.github.com, "GitHub-hosted runners"): outside every VPC. */
const GITHUB_HOSTED = /^(ubuntu|windows|macos)-/;

/**
 * An EKS endpoint that is private-only answers inside its VPC (and networks routed to it) only, so
 * the GitHub-hosted runner CI uses by default cannot preview or deploy the stack: every Kubernetes
 * call would time out after the AWS resources were half made. Such a stack names its runner.
 */
function checkCiReach(stack: StackConfig, file: string): Problem[] {
  const privateOnly = stack.clusters.flatMap((c) => ("endpoint" in c && !c.endpoint.public ? [c.name] : []));
  if (privateOnly.length === 0) return [];
  const which = `${privateOnly.length === 1 ? "cluster" : "clusters"} ${privateOnly.join(", ")}`;
  const fix = "set platform:ci: { runnerLabels: [self-hosted, <label of a runner inside the clusters' VPCs>] }, or let CI in through the public endpoint (endpoint.public: true with publicCidrs)";
  if (stack.ci === undefined) {
    return [{ file, field: `${CONFIG_NAMESPACE}:ci`, message: `is not set, so CI runs on a GitHub-hosted runner (ubuntu-latest), which cannot reach the private-only endpoint (endpoint.public: false) of ${which}; ${fix}` }];
  }
  if (stack.ci.runnerLabels.every((l) => GITHUB_HOSTED.test(l))) {
    return [{ file, field: `${CONFIG_NAMESPACE}:ci.runnerLabels`, message: `name a GitHub-hosted runner (${stack.ci.runnerLabels.join(", ")}), which cannot reach the private-only endpoint (endpoint.public: false) of ${which}; ${fix}` }];
  }
  return [];
}

/**
 * The kubeconfig a stack names for an existing cluster: it must exist, be a small regular file and
 * hold the context.
 */
function checkKubeconfig(existing: { context: string; kubeconfig?: string }, field: string, file: string, projectDir: string): Problem[] {
  const given = existing.kubeconfig!;
  const at = (message: string): Problem[] => [{ file, field, value: given, message }];
  if (given.startsWith("~")) return at("starts with ~, which is not expanded; write the full path");
  const read = readKubeconfig(path.resolve(projectDir, given));
  if ("problem" in read) {
    return at(read.problem === "missing" ? "does not exist; write the path of the kubeconfig holding the context, e.g. the file `kind get kubeconfig` writes" : read.problem);
  }
  if (!read.contexts.includes(existing.context)) {
    return at(`has no context "${existing.context}" (it has ${read.contexts.length ? read.contexts.join(", ") : "none"}); fix existing.context, or point existing.kubeconfig to the file that has it`);
  }
  return [];
}

/**
 * The kubeconfig files the run reads when the stack names none, as kubectl and the Kubernetes
 * provider find them: each file of $KUBECONFIG (a list separated by `:`, `;` on Windows; empty
 * entries skipped), else ~/.kube/config.
 */
export function defaultKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const listed = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "");
  return listed.length > 0 ? listed : [path.join(os.homedir(), ".kube", "config")];
}

/**
 * An existing cluster without `kubeconfig` is reached through the default kubeconfig of whoever runs
 * the program (a laptop, CI): it is checked here, on this run's environment, so a missing file or
 * context is reported with the stack's other problems instead of failing the update midway. The
 * context must be in one of the files; the program reads the first file that has it.
 */
function checkDefaultKubeconfig(context: string, field: string, file: string): Problem[] {
  const files = defaultKubeconfigFiles();
  const where = process.env.KUBECONFIG ? `$KUBECONFIG (${files.join(path.delimiter)})` : files[0];
  const fix = "set existing.kubeconfig to the file that has it, or export KUBECONFIG=<that file> before running";
  const at = (message: string): Problem[] => [{ file, field, value: context, message }];
  if (kubeconfigWithContext(files, context) !== undefined) return [];
  const found = files.map((f) => ({ f, read: readKubeconfig(f) }));
  const readable = found.flatMap(({ f, read }) => ("contexts" in read ? [{ f, contexts: read.contexts }] : []));
  const broken = found.flatMap(({ f, read }) => ("problem" in read && read.problem !== "missing" ? [`${f} ${read.problem}`] : []));
  if (readable.length === 0 && broken.length === 0) {
    return at(`no kubeconfig holds it: the stack names none, and ${where} does not exist; ${fix}`);
  }
  const has = readable.flatMap((r) => r.contexts);
  return at(`is not a context of the default kubeconfig ${where} (it has ${has.length ? has.join(", ") : "none"}${broken.length ? `; ${broken.join("; ")}` : ""}); fix existing.context, or ${fix}`);
}

/** The first of `files` that holds `context`: the kubeconfig the program reads it from. */
export function kubeconfigWithContext(files: string[], context: string): string | undefined {
  return files.find((f) => {
    const read = readKubeconfig(f);
    return "contexts" in read && read.contexts.includes(context);
  });
}

/** A kubeconfig file's context names, or why it has none to give ("missing" when there is no file). */
export function readKubeconfig(full: string): { contexts: string[] } | { problem: string } {
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
    return { problem: "missing" };
  }
  if (!st.isFile()) return { problem: "is not a regular file; point to the kubeconfig file" };
  if (st.size > 4 * 1024 * 1024) return { problem: `is ${st.size} bytes, too big for a kubeconfig` };
  try {
    const doc = parseYaml(fs.readFileSync(full, "utf8"), { maxAliasCount: 100 }) as { contexts?: { name?: unknown }[] } | null;
    return { contexts: (Array.isArray(doc?.contexts) ? doc.contexts : []).map((x) => String(x?.name)) };
  } catch {
    return { problem: "is not a kubeconfig (not YAML)" };
  }
}

// ---- The stack file itself ----------------------------------------------------------------------

/** What a Pulumi stack file may hold at its top level. */
const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"];

/**
 * Config namespaces read by this program (`platform`) or its providers (each `@pulumi/<name>`
 * dependency reads `<name>:` keys), and Pulumi's own `pulumi:`. A key in any other namespace is
 * read by no one: a typo such as `platfrom:protectNamespaces` would silently leave prod unprotected.
 */
export function knownNamespaces(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const providers = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith("@pulumi/") && d !== "@pulumi/pulumi").map((d) => d.slice("@pulumi/".length));
  return [CONFIG_NAMESPACE, ...providers.sort(), "pulumi"];
}

/** Problems with the keys of a stack file: top-level keys, and config keys in no namespace anyone reads. */
export function checkStackFileKeys(value: Record<string, unknown>, file: string): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(value).filter((k) => !STACK_FILE_KEYS.includes(k))) {
    const guess = closest(key, STACK_FILE_KEYS);
    problems.push({ file, field: key, message: `unknown top-level key; ${guess ? `did you mean "${guess}"?` : `a stack file holds ${STACK_FILE_KEYS.join(", ")}`}` });
  }
  const config = value.config;
  if (config === undefined || config === null) return problems;
  if (typeof config !== "object" || Array.isArray(config)) return [...problems, { file, field: "config", message: "must be a mapping of <namespace>:<key> entries, e.g. platform:stage: dev" }];
  const namespaces = knownNamespaces();
  for (const [key, v] of Object.entries(config)) {
    const colon = key.indexOf(":");
    if (colon < 0) {
      problems.push({ file, field: `config.${key}`, message: `has no namespace, and Pulumi reads config keys as <namespace>:<key>; write ${CONFIG_NAMESPACE}:${key}` });
      continue;
    }
    const ns = key.slice(0, colon);
    if (!namespaces.includes(ns)) {
      const guess = closest(ns, namespaces);
      problems.push({ file, field: key, message: `is in config namespace "${ns}", which nothing reads (this program reads ${CONFIG_NAMESPACE}:, its providers ${namespaces.slice(1).join(":, ")}:)${guess ? `; did you mean ${guess}:${key.slice(colon + 1)}?` : ""}` });
    } else if (key === "aws:region" && typeof v === "string" && !AWS_REGIONS.includes(v)) {
      const guess = closest(v, [...AWS_REGIONS]);
      problems.push({ file, field: key, value: v, message: `not an AWS region, e.g. "eu-west-1"${guess ? `; did you mean "${guess}"?` : ""}` });
    }
  }
  return problems;
}
