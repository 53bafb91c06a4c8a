/**
 * Synthetic tenant files for `npm run bench`: valid, deterministic and varied. Tenant i is the same
 * file in every set (a PRNG seeded with i), so the 10-tenant set is a prefix of the 100-tenant set,
 * and the feature mix is the same at every size.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { TenantFileInput } from "../lib/tenant-schema";

/** mulberry32: a tiny, well-mixed 32-bit PRNG; plenty for picking features. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ["orders", "billing", "search", "catalog", "checkout", "payments", "ledger", "profile", "ingest", "reports", "notify", "gateway"];
/** Repository owners when the caller gives none; a stack allows only its `platform:tenantRepositories` owners. */
const DEFAULT_OWNERS = ["acme"];
const TEAMS = ["team-a", "team-b", "team-shop", "team-data", "frontend-guild", "sre"];
const HELM_REPOS = [
  { name: "bitnami", url: "https://charts.bitnami.com/bitnami" },
  { name: "podinfo", url: "oci://ghcr.io/stefanprodan/charts" },
  { name: "ingress-nginx", url: "https://kubernetes.github.io/ingress-nginx" },
];

/** The features a generated tenant has, for the bench's description of the mix. */
export interface TenantFeatures {
  helm: boolean;
  imageAutomation: boolean;
  ecr: boolean;
  slack: boolean;
  commitStatus: boolean;
  overrides: boolean;
  isolationNone: boolean;
  stagesOmitted: boolean;
  webhookOff: boolean;
}

export const tenantName = (i: number) => `t${String(i).padStart(5, "0")}-${WORDS[i % WORDS.length]}`;

/**
 * Tenant number i (0-based): the file content and what it uses. `owners` are the GitHub owners its
 * repository may belong to (one draw whatever their number, so the rest of the tenant is the same).
 */
export function syntheticTenant(i: number, owners: readonly string[] = DEFAULT_OWNERS): { name: string; file: TenantFileInput; features: TenantFeatures } {
  const r = prng(0x5eed0000 + i);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const chance = (p: number) => r() < p;
  const name = tenantName(i);
  const owner = pick(owners);
  const f: TenantFeatures = {
    helm: chance(0.35),
    imageAutomation: chance(0.25),
    ecr: false,
    slack: chance(0.3),
    commitStatus: chance(0.15),
    overrides: chance(0.3),
    isolationNone: chance(0.2),
    stagesOmitted: chance(0.5),
    webhookOff: chance(0.15),
  };
  f.ecr = f.imageAutomation && chance(0.5);
  const file: TenantFileInput = {
    name,
    ...(chance(0.1) ? { namespace: `${name}-ns` } : {}),
    owners: chance(0.3) ? [pick(TEAMS), "sre"].filter((v, k, a) => a.indexOf(v) === k) : [pick(TEAMS)],
    ...(f.stagesOmitted ? {} : { stages: ["dev", "prod"] }),
    ...(chance(0.05) ? { rotation: 1 } : {}),
    ...(chance(0.2) ? { podSecurity: { enforce: "restricted" } } : {}),
    source: {
      repository: `${owner}/${name}-gitops`,
      ...(chance(0.3) ? { branch: "release" } : {}),
      path: chance(0.6) ? "./overlays/{stage}" : "./deploy",
      interval: pick(["1m", "2m", "5m", "10m"]),
      ...(f.webhookOff ? { webhook: false } : {}),
    },
    quota: { cpu: String(1 + Math.floor(r() * 8)), memory: `${2 * (1 + Math.floor(r() * 8))}Gi`, ...(chance(0.5) ? { pods: 20 + Math.floor(r() * 80) } : {}) },
    ...(chance(0.5) ? { limits: { defaultCpu: "500m", defaultMemory: "512Mi", ...(chance(0.3) ? { defaultRequestCpu: "100m" } : {}) } } : {}),
    ...(f.isolationNone ? { network: { isolation: "none" } } : {}),
  };
  if (f.helm) file.helmRepositories = HELM_REPOS.slice(0, 1 + Math.floor(r() * HELM_REPOS.length)).map((h) => ({ ...h }));
  if (f.imageAutomation) {
    const count = 1 + Math.floor(r() * 3);
    const images = Array.from({ length: count }, (_, k) => {
      const img = `img${k}`;
      const fromEcr = f.ecr && k === 0;
      return {
        name: img,
        ...(fromEcr ? { ecr: img } : { image: `ghcr.io/${owner}/${name}-${img}` }),
        policy: k % 2 === 0 ? { semver: ">=1.0.0" } : { numerical: { order: "asc" as const } },
        ...(k % 2 === 1 ? { filterTags: { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)", extract: "$ts" } } : {}),
      };
    });
    file.imageAutomation = { path: "./overlays/{stage}", ...(chance(0.5) ? { branch: "image-updates" } : {}), images };
    if (f.ecr) file.ecr = chance(0.5) ? ["img0"] : [{ name: "img0", immutableTags: true, keepLast: 10 }];
  }
  if (f.slack || f.commitStatus) {
    file.notifications = {
      ...(f.slack ? { slack: { channel: `${name}-deploys` } } : {}),
      ...(f.commitStatus ? { githubCommitStatus: true } : {}),
      severity: chance(0.5) ? "info" : "error",
    };
  }
  if (f.overrides) {
    file.overrides = {
      prod: {
        quota: { cpu: "16", memory: "32Gi", pods: 200 },
        ...(chance(0.5) ? { limits: { defaultCpu: "1", defaultMemory: "1Gi" } } : {}),
        ...(chance(0.3) ? { source: { branch: "stable" } } : {}),
      },
    };
  }
  return { name, file, features: f };
}

/** Writes tenants 0..count-1 into `dir` (created); returns how many tenants have each feature. */
export function writeTenantSet(dir: string, count: number, owners: readonly string[] = DEFAULT_OWNERS): Record<keyof TenantFeatures, number> {
  fs.mkdirSync(dir, { recursive: true });
  const mix = { helm: 0, imageAutomation: 0, ecr: 0, slack: 0, commitStatus: 0, overrides: 0, isolationNone: 0, stagesOmitted: 0, webhookOff: 0 };
  for (let i = 0; i < count; i++) {
    const { name, file, features } = syntheticTenant(i, owners);
    fs.writeFileSync(path.join(dir, `${name}.yaml`), `# synthetic tenant for npm run bench\n${stringify(file, { lineWidth: 0 })}`);
    for (const k of Object.keys(mix) as Array<keyof TenantFeatures>) if (features[k]) mix[k]++;
  }
  return mix;
}
