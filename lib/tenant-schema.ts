import { z } from "zod";
import { capped as cappedList, memoryQuantity, withoutCredentials, dnsLabel, fluxDuration, gitBranch, githubRepository, hostPattern, nonNegativeQuantity, podSecurityLevel, positiveQuantity, repoPath } from "./rules";

/**
 * The tenant file: one YAML file per application team in `tenants/`. This schema is the single
 * source of truth: the program validates with it and `schemas/tenant.schema.json` (what editors
 * use for completion) is generated from it.
 */

/** Defaults applied to every tenant file; each one is documented where the field is declared. */
export const tenantDefaults = {
  branch: "main",
  path: "./",
  interval: "5m",
  webhook: true,
  isolation: "namespace" as const,
  podSecurity: { enforce: "baseline", warn: "restricted", audit: "restricted" } as const,
  helmInterval: "1h",
  imageInterval: "5m",
  severity: "error" as const,
  ecrKeepLast: 30,
  rotation: 0,
  pods: 50,
  ephemeralStorage: "10Gi",
};

const strict = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape);

/**
 * The most entries each list of a tenant file may hold. Real tenants have a handful; a list of
 * thousands is a mistake or an attack (every entry becomes resources, and a pull request check
 * anyone can trigger would plan them all), so it is refused before anything else is done with it.
 */
export const TENANT_LIST_LIMITS = {
  owners: 20,
  stages: 20,
  sharedWith: 20,
  hosts: 50,
  helmRepositories: 50,
  images: 50,
  ecr: 100,
  overrides: 20,
};

const capped = <T extends z.ZodType>(element: T, max: number, what: string) =>
  cappedList(element, max, what, "tenant", " (more is a mistake, or several teams in one file): remove entries or split the tenant");

const quota = strict({
  cpu: positiveQuantity.describe("CPU requests the namespace may hold in total, e.g. \"2\""),
  memory: memoryQuantity.describe("Memory requests the namespace may hold in total, e.g. \"4Gi\""),
  pods: z.number().int().positive().max(5000).default(tenantDefaults.pods).describe("Maximum number of pods; @default 50"),
  storage: nonNegativeQuantity.default("0").describe("Total storage PersistentVolumeClaims may request, e.g. \"20Gi\"; @default 0: no volumes"),
  persistentVolumeClaims: z.number().int().nonnegative().max(200).default(0).describe("Number of PersistentVolumeClaims; @default 0"),
  loadBalancers: z.number().int().nonnegative().max(20).default(0).describe("Services of type LoadBalancer (each a cloud load balancer); @default 0: expose through the shared ingress"),
  nodePorts: z.number().int().nonnegative().max(20).default(0).describe("Services of type NodePort (open on every node); @default 0"),
  ephemeralStorage: memoryQuantity.default(tenantDefaults.ephemeralStorage).describe("Node-local scratch space (emptyDir, logs, writable layers) the namespace may use in total; @default 10Gi"),
});

const limits = strict({
  defaultCpu: positiveQuantity.describe("Default CPU limit of a container that sets none"),
  defaultMemory: memoryQuantity.describe("Default memory limit of a container that sets none"),
  defaultRequestCpu: positiveQuantity.optional().describe("Default CPU request; @default the defaultCpu"),
  defaultRequestMemory: memoryQuantity.optional().describe("Default memory request; @default the defaultMemory"),
});

const source = strict({
  repository: githubRepository.describe("The team's GitHub repository, owner/name; the platform registers a deploy key there"),
  branch: gitBranch.default(tenantDefaults.branch).describe("Branch Flux follows; @default main"),
  path: repoPath.default(tenantDefaults.path).describe("Path in the repository; {stage} is replaced per cluster; @default ./"),
  interval: fluxDuration.default(tenantDefaults.interval).describe("How often Flux polls; @default 5m"),
  webhook: z.boolean().default(tenantDefaults.webhook).describe("Reconcile on push through a GitHub webhook; @default true"),
  sharedWith: capped(dnsLabel, TENANT_LIST_LIMITS.sharedWith, "tenants").default([]).describe("Other tenants that use the same repository, read-only; each of them must list this tenant too; @default []"),
});

const helmRepository = strict({
  name: dnsLabel.describe("Name of the HelmRepository object in the tenant namespace"),
  url: withoutCredentials("remove them from the URL (a private chart repository's credentials go in a secret, set by the platform team with pulumi config set --secret, never in a tenant file)", false).regex(/^(https|oci):\/\/[^\s]+$/, {
    error: "a Helm repository URL must start with https:// or oci://",
  }),
  interval: fluxDuration.default(tenantDefaults.helmInterval).describe("@default 1h"),
});

const imagePolicy = z.union([
  strict({ semver: z.string().min(1).describe("A semver range as Flux reads it (Masterminds/semver), e.g. \"^0.3.x-0\", \">=1.0.0 <2.0.0\" or \">=1.0.0, <2.0.0\"") }),
  strict({ numerical: strict({ order: z.enum(["asc", "desc"]).default("asc") }) }),
  strict({ alphabetical: strict({ order: z.enum(["asc", "desc"]).default("asc") }) }),
], { error: "must be one of { semver: \"<range>\" }, { numerical: { order: asc|desc } } or { alphabetical: { order: asc|desc } }" });

const image = strict({
  name: dnsLabel.describe("Name of the ImageRepository and ImagePolicy"),
  image: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/, {
    error: "not an image repository; write it without a tag, e.g. \"ghcr.io/acme/front-end\"",
  }).optional().describe("Image repository to scan; or set `ecr` instead"),
  ecr: dnsLabel.optional().describe("Name of one of this tenant's `ecr` repositories to scan instead of `image`"),
  policy: imagePolicy,
  filterTags: strict({
    pattern: z.string().min(1).describe("Regular expression in Go's RE2 syntax (no lookarounds or backreferences) that tags must match, e.g. '^main-[a-f0-9]+-(?P<ts>[0-9]+)'"),
    extract: z.string().optional().describe("What to compare, from the pattern's groups (Go's Regexp.Expand), e.g. '$ts'"),
  }).optional(),
});

const imageAutomation = strict({
  branch: gitBranch.optional().describe("Branch Flux checks out and pushes to; @default source.branch"),
  path: repoPath.describe("Folder holding the manifests with {\"$imagepolicy\": ...} markers"),
  author: strict({ name: z.string().min(1), email: z.email() }).default({
    name: "fluxcdbot",
    email: "fluxcdbot@users.noreply.github.com",
  }),
  interval: fluxDuration.default(tenantDefaults.imageInterval).describe("@default 5m"),
  images: capped(image, TENANT_LIST_LIMITS.images, "images").min(1),
});

const ecrRepository = z.union([
  dnsLabel,
  strict({
    name: dnsLabel,
    immutableTags: z.boolean().default(false),
    keepLast: z.number().int().positive().default(tenantDefaults.ecrKeepLast).describe("Images kept by the lifecycle policy; @default 30"),
  }),
], { error: "must be a repository name or { name, immutableTags, keepLast }" });

const notifications = strict({
  slack: strict({
    channel: z.string().min(1).superRefine((v, ctx) => {
      if (/^xox[a-z]-/i.test(v)) {
        ctx.addIssue({ code: "custom", params: { secret: true }, message: "is a Slack token, not a channel, and a token is a secret (anyone holding it can act as the bot); write the channel name here (e.g. \"team-a-deploys\"), give the webhook URL with: pulumi config set --secret slackWebhook-<tenant> <url>, and revoke the token: it is in Git history" });
      } else if (/^https?:\/\//i.test(v) || /hooks\.slack\.com\//i.test(v)) {
        ctx.addIssue({ code: "custom", params: { secret: true }, message: "is a URL, and a Slack webhook URL is a secret (anyone holding it can post); write the channel name here, and give the URL with: pulumi config set --secret slackWebhook-<tenant> <url> (then rotate the webhook: it is in Git history)" });
      } else if (v.length > 80 || /\s/.test(v)) {
        ctx.addIssue({ code: "custom", message: "is not a Slack channel name (no spaces, at most 80 characters); write e.g. \"team-a-deploys\"" });
      }
    }).describe("Slack channel; the webhook URL comes from the secret config key slackWebhook-<tenant>"),
  }).optional(),
  githubCommitStatus: z.boolean().default(false).describe("Report reconcile status on the team's commits; @default false"),
  severity: z.enum(["info", "error"]).default(tenantDefaults.severity).describe("@default error"),
});

const stageOverride = strict({
  quota: quota.optional(),
  limits: limits.optional(),
  source: strict({ path: repoPath.optional(), branch: gitBranch.optional() }).optional(),
});

export const tenantSchema = strict({
  $schema: z.string().optional(),
  name: dnsLabel.describe("Tenant name: a DNS-1123 label, also the namespace unless `namespace` is set"),
  namespace: dnsLabel.optional().describe("Namespace of the tenant; @default name"),
  owners: capped(dnsLabel, TENANT_LIST_LIMITS.owners, "owners").min(1, { error: "needs at least one owning team, e.g. [team-a]" }).describe("Teams that own the tenant, e.g. [team-a]"),
  stages: capped(z.string().min(1), TENANT_LIST_LIMITS.stages, "stages").min(1).optional().describe("Stages the tenant lands on; @default all stages"),
  decommission: z.boolean().default(false).describe("First step of removing a tenant: delete its objects and namespace; @default false"),
  rotation: z.number().int().nonnegative().default(tenantDefaults.rotation).describe("Bump to replace the deploy keys and their SealedSecrets; @default 0"),
  podSecurity: strict({
    enforce: podSecurityLevel.default(tenantDefaults.podSecurity.enforce),
    warn: podSecurityLevel.default(tenantDefaults.podSecurity.warn),
    audit: podSecurityLevel.default(tenantDefaults.podSecurity.audit),
  }).default(tenantDefaults.podSecurity),
  source: source.describe("The team's Git repository Flux deploys from, e.g. { repository: acme/app-a, path: ./overlays/{stage} }"),
  quota: quota.describe("What the namespace may request in total, e.g. { cpu: \"2\", memory: 4Gi }"),
  limits: limits.optional(),
  hosts: capped(hostPattern, TENANT_LIST_LIMITS.hosts, "hosts").default([]).describe("Host names the tenant's Ingresses may serve, each under one of the stack's platform:tenantDomains; \"*.<domain>\" allows its subdomains; {stage} is replaced; @default none"),
  network: strict({ isolation: z.enum(["namespace", "none"]).default(tenantDefaults.isolation) }).default({
    isolation: tenantDefaults.isolation,
  }),
  helmRepositories: capped(helmRepository, TENANT_LIST_LIMITS.helmRepositories, "Helm repositories").default([]),
  imageAutomation: imageAutomation.optional(),
  ecr: capped(ecrRepository, TENANT_LIST_LIMITS.ecr, "ECR repositories").default([]),
  notifications: notifications.optional(),
  overrides: z.record(z.string(), stageOverride)
    .refine((o) => Object.keys(o).length <= TENANT_LIST_LIMITS.overrides, { error: `overrides more than ${TENANT_LIST_LIMITS.overrides} stages, the most a tenant may have; remove overrides of stages that do not exist` })
    .default({}),
});

export type TenantFile = z.output<typeof tenantSchema>;
export type TenantFileInput = z.input<typeof tenantSchema>;
export type Quota = z.output<typeof quota>;
export type Limits = z.output<typeof limits>;
export type ImageSpec = z.output<typeof image>;
export type ImageAutomation = z.output<typeof imageAutomation>;
export type Notifications = z.output<typeof notifications>;

/** An ECR repository request with its defaults filled in. */
export interface EcrRepository {
  name: string;
  immutableTags: boolean;
  keepLast: number;
}

export function ecrRepositories(t: TenantFile): EcrRepository[] {
  return t.ecr.map((r) => (typeof r === "string" ? { name: r, immutableTags: false, keepLast: tenantDefaults.ecrKeepLast } : r));
}
