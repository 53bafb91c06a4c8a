/**
 * `npm run bench [-- --sizes 100,1000,5000] [--clusters 2,3] [--json FILE] [--keep] [--cpu-prof DIR]`
 *
 * How the offline plan scales with tenants and clusters, and what a first `up` costs on GitHub.
 * Generates synthetic, valid tenant sets into a temporary folder and runs the offline plan on each
 * size × cluster count in a fresh child process, exactly as `npm start` runs it: wall time, peak
 * RSS, resources, and the GitHub writes of a first `up` read from the plan.json it writes. Two
 * clusters is the shipped `prod` stack as it is; any other count is `prod` with clusters dropped or
 * added (a generated stack file in a temporary copy of the project, so the repository never gets a
 * stack file). A preloaded probe (scripts/bench-rss.ts) times the plan's phases from inside each
 * run, so what the Pulumi runtime adds to validation, building, sealing and writing is visible.
 * It is a report: it exits 0 whether or not the targets are met, and 1 only when a plan run fails
 * (2 on usage errors).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { commitWrites, FLEET_COMMIT_TYPE, treeChunks, type TreeChange } from "../lib/fleet-commit";
import { loadProject, stackFileName, tenantsOnStage, type LoadedProject } from "../lib/project";
import { imageAutomationCluster, zoneIdPrefix } from "../lib/stack-schema";
import type { Registration } from "../plan/recorder";
import { githubWrites, leastTime } from "../plan/summary";
import type { RunReport } from "./bench-rss";
import { writeTenantSet, type TenantFeatures } from "./bench-tenants";

const PROJECT_DIR = path.resolve(__dirname, "..");
/** The shipped stack every benchmarked stack is made from. */
const BASE_STACK = "prod";
const DEFAULT_SIZES = [100, 1000, 5000];
const DEFAULT_CLUSTERS = [2, 3];
const TIME_BIN = "/usr/bin/time";
const MB = 1024; // kB per MB, as /usr/bin/time reports kB (MB and GB here are MiB and GiB)
/**
 * Issue 15's targets; the RSS bound at 1,000 tenants is an earlier one, kept to catch regressions.
 * Linear: from one measured size to the next, time and peak RSS grow at most `linearSlack` times
 * as fast as the tenant count (a fixed start-up cost makes a linear plan grow slower than that).
 */
const TARGETS = {
  small: { tenants: 1000, clusters: 2, seconds: 15, rssMb: 1.5 * 1024, githubWrites: 3010 },
  large: { tenants: 5000, clusters: 3, seconds: 60, rssMb: 3 * 1024 },
  linearSlack: 1.1,
};
const USAGE = "usage: npm run bench -- [--sizes 100,1000,5000] [--clusters 2,3] [--json FILE] [--keep] [--timeout SECONDS] [--cpu-prof DIR]";

/** A stack a plan runs on: the shipped one, or one generated from it with another number of clusters. */
interface BenchStack {
  clusters: number;
  stack: string;
  projectDir: string;
  project: LoadedProject;
  generated: boolean;
}

/** GitHub writes (content-creating requests) of a first `up`, from a plan.json. */
interface GithubWriteCount {
  total: number;
  readKeys: number;
  writeKeys: number;
  webhooks: number;
  repositories: number;
  /** Per fleet commit: files, tree bytes, tree requests, requests (trees + commit + ref). */
  commits: Array<{ name: string; files: number; mb: number; trees: number; requests: number }>;
  commitRequests: number;
  /** What the plan's own summary line printed, as a cross-check. */
  summaryLine?: string;
  leastTime: string;
}

interface PlanRun {
  tenants: number;
  clusters: number;
  stack: string;
  wallSeconds: number;
  peakRssMb: number;
  resources: number;
  resourcesPerTenant: number;
  msPerTenant: number;
  /** CPU time (user + system) of the plan process; unlike wall time, barely affected by other work on the machine. */
  cpuSeconds: number;
  /** The machine's 1-minute load average as the run started: other work on the machine slows a run. */
  loadBefore: number;
  github: GithubWriteCount;
  /** Where the time went, from scripts/bench-rss.ts in the plan process. */
  report: RunReport;
}

interface PlanJson {
  counts: { resources: number; byType: Record<string, number> };
  resources: Array<{ urn: string; type: string; name: string; parent?: string; inputs: Record<string, unknown> }>;
}

type Verdict = "PASS" | "MISS" | "n/a";

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        sizes: { type: "string" },
        clusters: { type: "string" },
        json: { type: "string" },
        keep: { type: "boolean", default: false },
        timeout: { type: "string", default: "1800" },
        "cpu-prof": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const list = (v: string | undefined, dflt: number[]) => (v === undefined ? [...dflt] : v.split(",").map((s) => Number(s.trim())));
  const sizes = [...new Set(list(args.sizes, DEFAULT_SIZES))].sort((a, b) => a - b);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 99999)) {
    console.error(`--sizes ${args.sizes}: give tenant counts between 1 and 99999, e.g. 100,1000,5000\n${USAGE}`);
    return 2;
  }
  const clusterCounts = [...new Set(list(args.clusters, DEFAULT_CLUSTERS))].sort((a, b) => a - b);
  if (clusterCounts.length === 0 || clusterCounts.some((n) => !Number.isInteger(n) || n < 1 || n > EXTRA_REGIONS.length + 2)) {
    console.error(`--clusters ${args.clusters}: give cluster counts between 1 and ${EXTRA_REGIONS.length + 2}, e.g. 2,3\n${USAGE}`);
    return 2;
  }
  const timeoutSeconds = Number(args.timeout);
  if (!(timeoutSeconds > 0)) {
    console.error(`--timeout ${args.timeout}: give a number of seconds\n${USAGE}`);
    return 2;
  }
  const profileDir = args["cpu-prof"] ? path.resolve(args["cpu-prof"]) : undefined;

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bench-"));
  // The stacks' config only (an empty tenants folder), so the example tenants cannot get in the way.
  const noTenants = path.join(root, "no-tenants");
  fs.mkdirSync(noTenants);
  const cleanup = () => {
    if (!args.keep) fs.rmSync(root, { recursive: true, force: true });
  };
  process.once("SIGINT", () => {
    if (runningGroup !== undefined) process.kill(-runningGroup, "SIGKILL");
    cleanup();
    process.exit(130);
  });

  try {
    const stacks = clusterCounts.map((n) => benchStack(n, root, noTenants));
    const useTime = hasGnuTime();
    const base = stacks[0].project.stack;
    console.log(`Offline plan benchmark: stage ${base.stage}, ${base.delivery} delivery; stacks:`);
    for (const s of stacks) console.log(`  ${s.clusters} cluster${s.clusters > 1 ? "s" : ""}: ${s.generated ? `generated from ${stackFileName(BASE_STACK)} (${path.join(s.projectDir, stackFileName(s.stack))})` : `stack ${s.stack} as shipped`}: ${describeClusters(s.project)}`);
    console.log(`machine: ${os.cpus().length} CPUs (nproc ${nproc()}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM, node ${process.version}; peak RSS from ${useTime ? `${TIME_BIN} -v (Maximum resident set size)` : "process.resourceUsage().maxRSS in the child"}`);
    console.log(`each plan, in a fresh process: ${useTime ? `${TIME_BIN} -v ` : ""}node ${START_FLAGS.join(" ")} -r scripts/bench-rss.ts${profileDir ? " --cpu-prof" : ""} plan/cli.ts --stack <stack> --tenants <set> --out <dir> > <file>`);
    console.log("(scripts/bench-rss.ts times the plan's phases from inside; stdout goes to a file, as a pipe would lose the end of a long summary)");
    console.log(`tenant sets in ${root}${args.keep ? " (kept)" : " (removed afterwards)"}${profileDir ? `; CPU profiles in ${profileDir} (profiling slows the runs)` : ""}\n`);

    // 1. Tenant sets, checked with the program's own validation (every stack's) before anything is timed.
    const owners = base.tenantRepositories.owners.length > 0 ? base.tenantRepositories.owners : [base.fleet.repository.split("/")[0]];
    const sets = new Map<number, string>();
    const mixes = new Map<number, Record<keyof TenantFeatures, number>>();
    for (const n of sizes) {
      const dir = path.join(root, `tenants-${n}`);
      mixes.set(n, writeTenantSet(dir, n, owners));
      for (const s of stacks) {
        try {
          const p = loadProject({ projectDir: s.projectDir, stack: s.stack, tenantsDir: dir });
          if (tenantsOnStage(p.tenants, p.stack.stage).length !== n) throw new Error(`${n} files, but ${tenantsOnStage(p.tenants, p.stack.stage).length} tenants on stage ${p.stack.stage}`);
        } catch (e) {
          console.error(`generated ${n}-tenant set is not valid on the ${s.clusters}-cluster stack (a bug in scripts/bench-tenants.ts or bench.ts):`);
          console.error(String((e as Error).message).split("\n").slice(0, 20).join("\n"));
          return 1;
        }
      }
      sets.set(n, dir);
    }
    for (const n of sizes) console.log(`Feature mix (${n} tenants): ${describeMix(mixes.get(n)!, n)}`);
    console.log("");

    // 2. The offline plan, each size on each stack in a fresh process.
    spawnSync("sync");
    const runs: PlanRun[] = [];
    let largestPlan: { run: PlanRun; plan: PlanJson } | undefined;
    for (const s of stacks) {
      for (const n of sizes) {
        const out = path.join(root, `out-${n}x${s.clusters}`);
        process.stdout.write(`running plan: ${n} tenants on ${s.clusters} cluster${s.clusters > 1 ? "s" : ""} ... `);
        const prof = profileDir ? path.join(profileDir, `${n}x${s.clusters}`) : undefined;
        const loadBefore = os.loadavg()[0];
        const r = await runPlan(s, sets.get(n)!, out, useTime, timeoutSeconds, root, prof);
        if (!r.ok) {
          console.log("FAILED");
          console.error(r.error);
          return 1;
        }
        const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as PlanJson;
        const run: PlanRun = {
          tenants: n,
          clusters: s.clusters,
          stack: s.stack,
          wallSeconds: r.wallSeconds,
          peakRssMb: r.peakRssKb / MB,
          resources: plan.counts.resources,
          resourcesPerTenant: plan.counts.resources / n,
          msPerTenant: (r.wallSeconds * 1000) / n,
          cpuSeconds: (r.report.userCpuMs + r.report.systemCpuMs) / 1000,
          loadBefore,
          report: r.report,
          github: countGithubWrites(plan, r.stdout),
        };
        runs.push(run);
        console.log(`${run.wallSeconds.toFixed(2)} s (CPU ${run.cpuSeconds.toFixed(1)} s), ${run.peakRssMb.toFixed(0)} MB, ${run.github.total} GitHub writes (load average ${loadBefore.toFixed(1)} on ${os.cpus().length} CPUs before)`);
        if (prof) printProfile(prof);
        if (!largestPlan || n * s.clusters >= largestPlan.run.tenants * largestPlan.run.clusters) largestPlan = { run, plan };
        // A plan writes hundreds of MB in tens of thousands of files: let the disk finish them before
        // the next run, or its own writes wait behind them. Outputs are removed at the end, not
        // here: removing that many files made the next run's writes several times slower.
        spawnSync("sync");
      }
    }
    console.log("");
    printTable(
      ["tenants", "clusters", "wall time (s)", "CPU (s)", "peak RSS (MB)", "resources", "resources/tenant", "ms/tenant", "GitHub writes", "least time"],
      runs.map((r) => [fmt(r.tenants), String(r.clusters), r.wallSeconds.toFixed(1), r.cpuSeconds.toFixed(1), fmt(Math.round(r.peakRssMb)), fmt(r.resources), r.resourcesPerTenant.toFixed(1), r.msPerTenant.toFixed(1), fmt(r.github.total), r.github.leastTime]),
    );

    // 3. Where the time went, per run.
    console.log("\nWhere the time went (s; timed inside each plan process by scripts/bench-rss.ts; · = part of the program run, which also validates again):");
    printTable(
      ["tenants", "clusters", "start-up", "validation", "program run", "· validation", "· tenantObjects", "· sealing", "· toYaml", "· stand-in keys", "· rest: Pulumi runtime + mocks", "plan + manifests", "writePlan", "summary", "GC pauses (all)"],
      runs.map((r) => [fmt(r.tenants), String(r.clusters), ...Object.values(breakdown(r)).map((v) => v.toFixed(1))]),
    );

    // 4. GitHub writes of a first up, broken down.
    console.log("\nGitHub writes of a first up (content-creating requests; from plan.json: deploy keys, webhooks, repositories, and each FleetCommit's files through lib/fleet-commit commitWrites):");
    printTable(
      ["tenants", "clusters", "read-only keys", "write keys", "webhooks", "fleet commits: files, MB, tree requests", "fleet requests", "total", "plan summary says"],
      runs.map((r) => [fmt(r.tenants), String(r.clusters), fmt(r.github.readKeys), fmt(r.github.writeKeys), fmt(r.github.webhooks),
        r.github.commits.map((c) => `${fmt(c.files)}, ${c.mb.toFixed(1)}, ${c.trees}`).join(" | "), fmt(r.github.commitRequests), fmt(r.github.total), r.github.summaryLine ?? "(no summary line)"]),
    );
    for (const s of stacks) {
      const c = s.project.stack.clusters;
      const receivers = c.filter((x) => x.receiver).length;
      const multi = c.length > 1;
      console.log(`  ${c.length} cluster${multi ? "s" : ""}: per tenant ${multi ? `one read-only key shared by the ${c.length} clusters, plus a write key for each tenant with imageAutomation (used on ${imageAutomationCluster(s.project.stack)}, where its image automation pushes)` : "one key: write for tenants with imageAutomation, read-only for the others"}; a webhook per tenant with source.webhook on each of the ${receivers} clusters that declare a receiver; per cluster one fleet commit = tree requests of ≤ 2 MB + commit + ref update.`);
    }
    for (const n of sizes) {
      const mix = mixes.get(n)!;
      console.log(`  ${n} tenants: ${mix.imageAutomation} need a second (write) key (imageAutomation), ${n - mix.webhookOff} have webhooks (${mix.webhookOff} set source.webhook: false)`);
    }

    // 5. Scaling.
    console.log("");
    for (const s of stacks) {
      const rs = runs.filter((r) => r.clusters === s.clusters);
      for (const [a, b] of rs.slice(1).map((r, i) => [rs[i], r] as const)) {
        const marginal = ((b.wallSeconds - a.wallSeconds) * 1000) / (b.tenants - a.tenants);
        const marginalMb = (b.peakRssMb - a.peakRssMb) / (b.tenants - a.tenants);
        console.log(`${s.clusters} clusters, ${fmt(a.tenants)} → ${fmt(b.tenants)} tenants (×${(b.tenants / a.tenants).toFixed(1)}): time ×${(b.wallSeconds / a.wallSeconds).toFixed(2)}, peak RSS ×${(b.peakRssMb / a.peakRssMb).toFixed(2)}; marginal ${marginal.toFixed(1)} ms and ${(marginalMb * 1000).toFixed(0)} kB per tenant (${(marginal / s.clusters).toFixed(1)} ms per tenant and cluster)`);
      }
    }

    const big = largestPlan!;
    // 6. What the resources are, from the largest plan.
    const classes = classify(big.plan);
    const T = big.run.tenants;
    console.log(`\nResources by kind (${fmt(T)} tenants on ${big.run.clusters} clusters; per tenant = resources under a tenant's components, all clusters, / ${fmt(T)}):`);
    printTable(["kind", "total", "platform (fixed)", "per tenant", "per tenant and cluster"], classes.rows.map((c) => [c.kind, fmt(c.total), fmt(c.total - c.tenantScoped), (c.tenantScoped / T).toFixed(2), (c.tenantScoped / T / big.run.clusters).toFixed(2)]));
    console.log(`\nPer-tenant resource types (per tenant, all clusters):`);
    for (const [type, n] of classes.tenantTypes) console.log(`  ${(n / T).toFixed(2).padStart(6)}  ${type}`);

    // 7. Targets.
    const at = (n: number, c: number) => runs.find((r) => r.tenants === n && r.clusters === c);
    const small = at(TARGETS.small.tenants, TARGETS.small.clusters);
    const large = at(TARGETS.large.tenants, TARGETS.large.clusters);
    const verdicts: Record<string, Verdict> = {};
    console.log("\nTargets:");
    const target = (key: string, label: string, value: number | undefined, shown: (v: number) => string, ok: (v: number) => boolean, why = "") => {
      verdicts[key] = value === undefined ? "n/a" : ok(value) ? "PASS" : "MISS";
      console.log(`  ${label.padEnd(74)} ${(value === undefined ? `not measured${why}` : shown(value)).padStart(16)}   ${verdicts[key]}`);
    };
    const s = (v: number) => `${v.toFixed(1)} s`;
    const mb = (v: number) => `${fmt(Math.round(v))} MB`;
    const small2 = `${fmt(TARGETS.small.tenants)} tenants × ${TARGETS.small.clusters} clusters`;
    const large3 = `${fmt(TARGETS.large.tenants)} tenants × ${TARGETS.large.clusters} clusters`;
    target("smallTime", `${small2}: plan < ${TARGETS.small.seconds} s`, small?.wallSeconds, s, (v) => v < TARGETS.small.seconds);
    target("smallRss", `${small2}: peak RSS < 1.5 GB (earlier target)`, small?.peakRssMb, mb, (v) => v < TARGETS.small.rssMb);
    target("githubWrites", `${small2}: first up ≤ ${fmt(TARGETS.small.githubWrites)} GitHub writes`, small?.github.total, fmt, (v) => v <= TARGETS.small.githubWrites);
    target("largeTime", `${large3}: plan < ${TARGETS.large.seconds} s`, large?.wallSeconds, s, (v) => v < TARGETS.large.seconds);
    target("largeRss", `${large3}: peak RSS < 3 GB`, large?.peakRssMb, mb, (v) => v < TARGETS.large.rssMb);
    // Linear: each step up to the large size grows no faster than the tenant count (with slack).
    const steps = runs.filter((r) => r.clusters === TARGETS.large.clusters && r.tenants <= TARGETS.large.tenants);
    const growth = (f: (r: PlanRun) => number) => {
      if (!large || steps.length < 2) return undefined;
      return Math.max(...steps.slice(1).map((b, i) => (f(b) / f(steps[i])) / (b.tenants / steps[i].tenants)));
    };
    const linearWhy = ` (needs 2 sizes ≤ ${fmt(TARGETS.large.tenants)} on ${TARGETS.large.clusters} clusters)`;
    const factor = (v: number) => `×${v.toFixed(2)} of n`;
    target("linearTime", `${large3}: time grows linearly (each step ≤ ${TARGETS.linearSlack} × n)`, growth((r) => r.wallSeconds), factor, (v) => v <= TARGETS.linearSlack, linearWhy);
    target("linearRss", `${large3}: peak RSS grows linearly (each step ≤ ${TARGETS.linearSlack} × n)`, growth((r) => r.peakRssMb), factor, (v) => v <= TARGETS.linearSlack, linearWhy);
    if (small) console.log(`  GitHub writes of ${small2}: ${small.github.summaryLine ?? small.github.total}; at least ${small.github.leastTime} under GitHub's limits`);

    if (args.json) {
      const result = {
        baseStack: BASE_STACK,
        stacks: stacks.map((x) => ({ clusters: x.clusters, stack: x.stack, generated: x.generated, names: x.project.stack.clusters.map((c) => c.name) })),
        node: process.version,
        cpus: os.cpus().length,
        memoryGb: os.totalmem() / 2 ** 30,
        rssSource: useTime ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS",
        loadAverageAtEnd: os.loadavg(),
        sizes,
        featureMix: Object.fromEntries(mixes),
        runs,
        resourcesByKind: classes.rows.map((c) => ({ ...c, perTenant: c.tenantScoped / T })),
        perTenantTypes: Object.fromEntries(classes.tenantTypes.map(([t, n]) => [t, n / T])),
        targets: { ...TARGETS, verdicts },
      };
      fs.mkdirSync(path.dirname(path.resolve(args.json)), { recursive: true });
      fs.writeFileSync(args.json, JSON.stringify(result, null, 2) + "\n");
      console.log(`\nresults written to ${args.json}`);
    }
    return 0;
  } finally {
    cleanup();
  }
}

/**
 * A run's time by phase, in seconds: the plan's own validation, then the program run and what of
 * it is validation (again, as index.ts checks its inputs), building, sealing, YAML and stand-in keys.
 */
function breakdown(r: PlanRun) {
  const ph = (name: string) => (r.report.phases[name]?.ms ?? 0) / 1000;
  const validation = r.report.phases.loadProject?.first ?? [];
  const programValidation = validation.slice(1).reduce((a, b) => a + b, 0) / 1000;
  const program = ph("runProgram");
  const parts = { programValidation, tenantObjects: ph("tenantObjects"), sealing: ph("sealData"), toYaml: ph("toYaml"), keys: ph("standinKeyFor") };
  return {
    startup: r.report.startupMs / 1000,
    validation: (validation[0] ?? 0) / 1000,
    program,
    ...parts,
    rest: program - Object.values(parts).reduce((a, b) => a + b, 0),
    planAndManifests: ph("planFile") + ph("manifestsFrom") + ph("fleetFilesFrom"),
    writePlan: ph("writePlan"),
    summary: ph("summary"),
    gc: r.report.gcMs / 1000,
  };
}

/** Regions for clusters added to the base stack, with zone IDs that exist there (ap-northeast-1 has no az3). */
const EXTRA_REGIONS: Array<{ region: string; zones: string[] }> = [
  { region: "eu-central-1", zones: ["euc1-az1", "euc1-az2", "euc1-az3"] },
  { region: "ap-southeast-2", zones: ["apse2-az1", "apse2-az2", "apse2-az3"] },
  { region: "us-west-2", zones: ["usw2-az1", "usw2-az2", "usw2-az3", "usw2-az4"] },
  { region: "ap-northeast-1", zones: ["apne1-az1", "apne1-az2", "apne1-az4"] },
];

/**
 * The stack with `clusters` clusters: the base stack as shipped when it has that many, else a copy
 * of the project (sources only; node_modules linked) with a stack file whose clusters are the
 * base's, cut, or extended with copies of its last cluster in other regions and address ranges.
 */
function benchStack(clusters: number, root: string, noTenants: string): BenchStack {
  const shipped = loadProject({ projectDir: PROJECT_DIR, stack: BASE_STACK, tenantsDir: noTenants });
  if (shipped.stack.clusters.length === clusters) return { clusters, stack: BASE_STACK, projectDir: PROJECT_DIR, project: shipped, generated: false };

  const projectDir = path.join(root, "project");
  if (!fs.existsSync(projectDir)) copyProject(projectDir);
  const stack = `bench-${clusters}c`;
  const doc = parseYaml(fs.readFileSync(path.join(PROJECT_DIR, stackFileName(BASE_STACK)), "utf8")) as { config: Record<string, unknown> };
  type Cluster = { name: string; region?: string; vpcCidr?: string; availabilityZoneIds?: string[]; receiver?: { host: string } };
  const base = doc.config["platform:clusters"] as Cluster[];
  const list: Cluster[] = base.slice(0, clusters);
  const usedCidrs = new Set(base.map((c) => c.vpcCidr));
  let octet = 40;
  for (let k = base.length; k < clusters; k++) {
    const template = base[base.length - 1];
    const { region, zones } = EXTRA_REGIONS[k - base.length];
    const name = `${shipped.stack.stage}-${zoneIdPrefix(region)}`;
    while (usedCidrs.has(`10.${octet}.0.0/16`)) octet += 10;
    usedCidrs.add(`10.${octet}.0.0/16`);
    const copy = JSON.parse(JSON.stringify(template)) as Cluster;
    list.push({
      ...copy,
      name,
      region,
      ...(copy.vpcCidr ? { vpcCidr: `10.${octet}.0.0/16` } : {}),
      ...(copy.availabilityZoneIds ? { availabilityZoneIds: zones.slice(0, Math.max(2, Math.min(zones.length, copy.availabilityZoneIds.length))) } : {}),
      ...(copy.receiver ? { receiver: { ...copy.receiver, host: copy.receiver.host.replace(template.name, name) } } : {}),
    });
  }
  doc.config["platform:clusters"] = list;
  // A stack of its own beside prod in the copy: its own fleet repository, as two stacks sharing one
  // may not share cluster names (both would write clusters/<name>).
  const fleet = doc.config["platform:fleet"] as { repository: string };
  doc.config["platform:fleet"] = { ...fleet, repository: `${fleet.repository}-${stack}` };
  const automation = doc.config["platform:imageAutomationCluster"];
  if (automation !== undefined && !list.some((c) => c.name === automation)) delete doc.config["platform:imageAutomationCluster"];
  const text = `# Generated by npm run bench: ${stackFileName(BASE_STACK)} with ${clusters} clusters (${list.map((c) => c.name).join(", ")}).\n${stringifyYaml(doc, { lineWidth: 0 })}`;
  fs.writeFileSync(path.join(projectDir, stackFileName(stack)), text);
  const project = loadProject({ projectDir, stack, tenantsDir: noTenants });
  return { clusters, stack, projectDir, project, generated: true };
}

/** What the offline plan reads from the project: sources, stack files, package.json; node_modules is linked. */
function copyProject(to: string): void {
  fs.mkdirSync(to, { recursive: true });
  const entries = fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f) || ["index.ts", "package.json", "tsconfig.json", "lib", "components", "plan"].includes(f));
  for (const f of entries) fs.cpSync(path.join(PROJECT_DIR, f), path.join(to, f), { recursive: true });
  fs.symlinkSync(path.join(PROJECT_DIR, "node_modules"), path.join(to, "node_modules"), "dir");
}

function describeClusters(p: LoadedProject): string {
  const automation = imageAutomationCluster(p.stack);
  return p.stack.clusters.map((c) => `${c.name}${"region" in c ? ` (${c.region})` : ""}${c.receiver ? " receiver" : ""}${c.name === automation ? " image-automation" : ""}`).join(", ");
}

function nproc(): string {
  const r = spawnSync("nproc", [], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : "?";
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** GNU time with -v (Debian's `time` package); BusyBox or BSD time would not print the RSS line. */
function hasGnuTime(): boolean {
  if (!fs.existsSync(TIME_BIN)) return false;
  const r = spawnSync(TIME_BIN, ["-v", "true"], { encoding: "utf8" });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr ?? "");
}

const DEPLOY_KEY = "github:index/repositoryDeployKey:RepositoryDeployKey";
const WEBHOOK = "github:index/repositoryWebhook:RepositoryWebhook";
const REPOSITORY = "github:index/repository:Repository";

/**
 * The GitHub writes of a first `up` of this plan, broken down; the total is plan/summary's
 * `githubWrites` over the same resources, and a breakdown that disagrees with it is an error.
 */
function countGithubWrites(plan: PlanJson, stdout: string): GithubWriteCount {
  const of = (type: string) => plan.resources.filter((r) => r.type === type);
  const keys = of(DEPLOY_KEY);
  const commits = of(FLEET_COMMIT_TYPE).map((r) => {
    const files = (r.inputs.files ?? {}) as Record<string, string>;
    const entries = Object.entries(files).map(([p, content]): TreeChange => ({ path: p, mode: "100644", type: "blob", content }));
    const bytes = entries.reduce((n, e) => n + Buffer.byteLength(JSON.stringify(e)), 0);
    return { name: r.name, files: entries.length, mb: bytes / 2 ** 20, trees: entries.length ? treeChunks(entries).length : 0, requests: commitWrites(files) };
  });
  const count: GithubWriteCount = {
    total: githubWrites(plan.resources as unknown as Registration[]).total,
    readKeys: keys.filter((k) => k.inputs.readOnly !== false).length,
    writeKeys: keys.filter((k) => k.inputs.readOnly === false).length,
    webhooks: of(WEBHOOK).length,
    repositories: of(REPOSITORY).length,
    commits,
    commitRequests: commits.reduce((n, c) => n + c.requests, 0),
    summaryLine: /GitHub writes of a first up: (\d+ \([^)]*\))/.exec(stdout)?.[1],
    leastTime: "",
  };
  count.leastTime = leastTime(count.total);
  const sum = count.readKeys + count.writeKeys + count.webhooks + count.repositories + count.commitRequests;
  if (sum !== count.total) throw new Error(`GitHub writes: the breakdown (${sum}) disagrees with plan/summary githubWrites (${count.total}); update countGithubWrites in scripts/bench.ts`);
  if (count.summaryLine && !count.summaryLine.startsWith(`${count.total} `)) throw new Error(`GitHub writes: the plan printed ${count.summaryLine}, plan.json gives ${count.total}`);
  return count;
}

/** Process group of the plan run under way, so that Ctrl-C ends it too. */
let runningGroup: number | undefined;

/** Exit status, output and wall time of one child; the child gets its own process group, so a timeout ends it and everything it started. */
function run(cmd: string, args: string[], cwd: string, timeoutSeconds: number, env: NodeJS.ProcessEnv, stdoutFile: string): Promise<{ status: number | null; signal: string | null; timedOut: boolean; stdout: string; stderr: string; error?: Error; wallSeconds: number }> {
  return new Promise((resolve) => {
    // Stdout into a file: writes to a file are synchronous in Node, to a pipe they are not, and the
    // plan exits with process.exit, which would cut a long summary short.
    const out = fs.openSync(stdoutFile, "w");
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd, env, detached: true, stdio: ["ignore", out, "pipe"] });
    fs.closeSync(out);
    let stderr = "";
    let timedOut = false;
    let error: Error | undefined;
    child.stderr!.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    }, timeoutSeconds * 1000);
    runningGroup = child.pid;
    let done = false;
    const finish = (status: number | null, signal: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      runningGroup = undefined;
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve({ status, signal, timedOut, stdout: fs.readFileSync(stdoutFile, "utf8"), stderr, error, wallSeconds });
    };
    child.on("error", (e) => {
      error = e;
      finish(null, null);
    });
    child.on("close", finish);
  });
}

/** The plan is timed exactly as `npm start` runs it: the node flags come from package.json. */
const START_FLAGS = startNodeFlags();

function startNodeFlags(): string[] {
  const start = (JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start.split(/\s+/);
  return start.slice(1, start.indexOf("plan/cli.ts"));
}

async function runPlan(s: BenchStack, tenantsDir: string, out: string, useTime: boolean, timeoutSeconds: number, root: string, profileDir?: string): Promise<{ ok: true; wallSeconds: number; peakRssKb: number; stdout: string; report: RunReport } | { ok: false; error: string }> {
  const reportFile = path.join(root, `report-${path.basename(out)}.json`);
  const stdoutFile = path.join(root, `stdout-${path.basename(out)}.txt`);
  fs.rmSync(reportFile, { force: true });
  const nodeArgs = [
    ...START_FLAGS,
    "-r", path.join(__dirname, "bench-rss.ts"),
    ...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []),
    "plan/cli.ts", "--stack", s.stack, "--tenants", tenantsDir, "--out", out,
  ];
  const [cmd, cmdArgs] = useTime ? [TIME_BIN, ["-v", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const r = await run(cmd, cmdArgs, s.projectDir, timeoutSeconds, { ...process.env, BENCH_RSS_FILE: reportFile }, stdoutFile);
  const wallSeconds = r.wallSeconds;
  const command = `(cd ${s.projectDir} && ${cmd} ${cmdArgs.join(" ")})`;
  const tail = (t: string) => t.split("\n").slice(-40).join("\n");
  if (r.error) return { ok: false, error: `${command}\n${r.error.message}\n${tail(r.stderr)}` };
  if (r.timedOut) return { ok: false, error: `${command}\ntook longer than --timeout ${timeoutSeconds} s and was stopped\n${tail(r.stderr)}` };
  if (r.status !== 0) return { ok: false, error: `${command}\nexited with ${r.status ?? r.signal}\n${tail(r.stderr)}\n${tail(r.stdout)}` };
  if (!fs.existsSync(reportFile)) return { ok: false, error: `${command}\nexited 0 but scripts/bench-rss.ts wrote no ${reportFile}` };
  const report = JSON.parse(fs.readFileSync(reportFile, "utf8")) as RunReport;
  let peakRssKb = report.maxRssKb;
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    if (!m) return { ok: false, error: `${command}\nno "Maximum resident set size" in the output of ${TIME_BIN} -v\n${tail(r.stderr)}` };
    peakRssKb = Number(m[1]);
  }
  if (!fs.existsSync(path.join(out, "plan.json"))) return { ok: false, error: `${command}\nexited 0 but wrote no plan.json in ${out}` };
  return { ok: true, wallSeconds, peakRssKb, stdout: r.stdout, report };
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** Where the time of a `--cpu-prof` profile went: self time by package or project folder, and the top functions. */
function printProfile(dir: string): void {
  const file = fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) => path.join(dir, f)).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
  if (!file) return;
  const p = JSON.parse(fs.readFileSync(file, "utf8")) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const where = (url: string) => {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (m) return m[1];
    if (url.startsWith("node:")) return "node built-ins";
    if (!url) return "(V8: GC, program, idle)";
    const rel = path.relative(PROJECT_DIR, url.replace(/^file:\/\//, ""));
    return rel.startsWith("..") ? `project ${rel.split(path.sep).slice(-2)[0]}/` : `project ${rel.split(path.sep)[0]}`;
  };
  const groups = new Map<string, number>();
  const funcs = new Map<string, number>();
  for (const [id, ms] of self) {
    const f = byId.get(id)!.callFrame;
    groups.set(where(f.url), (groups.get(where(f.url)) ?? 0) + ms);
    const key = `${f.functionName || "(anonymous)"} ${f.url ? `${f.url.replace(/^.*node_modules\//, "").replace(PROJECT_DIR + "/", "")}:${f.lineNumber + 1}` : ""}`;
    funcs.set(key, (funcs.get(key) ?? 0) + ms);
  }
  const top = (m: Map<string, number>, k: number) => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k);
  console.log(`  CPU profile ${file}: ${(total / 1000).toFixed(1)} s sampled; self time by where the code lives:`);
  for (const [g, ms] of top(groups, 12)) console.log(`    ${(ms / 1000).toFixed(2).padStart(7)} s ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${g}`);
  console.log("  top functions by self time:");
  for (const [f, ms] of top(funcs, 15)) console.log(`    ${(ms / 1000).toFixed(2).padStart(7)} s ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${f}`);
}

interface KindRow {
  kind: string;
  cloudFacing: boolean;
  total: number;
  tenantScoped: number;
}

const KINDS: Array<{ kind: string; cloudFacing: boolean; match: (type: string) => boolean }> = [
  { kind: "GitHub API (github:*)", cloudFacing: true, match: (t) => t.startsWith("github:") },
  { kind: "AWS (aws:*)", cloudFacing: true, match: (t) => t.startsWith("aws:") },
  { kind: "AWS via EKS component (eks:*)", cloudFacing: true, match: (t) => t.startsWith("eks:") },
  { kind: "Kubernetes (kubernetes:*)", cloudFacing: false, match: (t) => t.startsWith("kubernetes:") },
  { kind: "local-only (tls:*, random:*)", cloudFacing: false, match: (t) => t.startsWith("tls:") || t.startsWith("random:") },
  { kind: "fleet commits (dynamic)", cloudFacing: true, match: (t) => t === FLEET_COMMIT_TYPE },
  { kind: "components (platform:*)", cloudFacing: false, match: (t) => t.startsWith("platform:") },
  { kind: "providers (pulumi:providers:*)", cloudFacing: false, match: (t) => t.startsWith("pulumi:providers:") },
  { kind: "other (pulumi:*)", cloudFacing: false, match: () => true },
];

const TENANT_COMPONENTS = new Set(["platform:tenant:Tenant", "platform:tenant:TenantDeployKeys", "platform:registry:TenantRegistry"]);

/** Counts by kind, in total and under a tenant's components (the resource itself or an ancestor). */
function classify(plan: PlanJson): { rows: KindRow[]; tenantTypes: Array<[string, number]> } {
  const byUrn = new Map(plan.resources.map((r) => [r.urn, r]));
  const memo = new Map<string, boolean>();
  const inTenant = (urn: string | undefined): boolean => {
    if (!urn) return false;
    const known = memo.get(urn);
    if (known !== undefined) return known;
    const r = byUrn.get(urn);
    const v = r ? TENANT_COMPONENTS.has(r.type) || inTenant(r.parent) : false;
    memo.set(urn, v);
    return v;
  };
  const rows: KindRow[] = KINDS.map((k) => ({ kind: k.kind, cloudFacing: k.cloudFacing, total: 0, tenantScoped: 0 }));
  const tenantTypes = new Map<string, number>();
  for (const r of plan.resources) {
    const row = rows[KINDS.findIndex((k) => k.match(r.type))];
    row.total++;
    if (inTenant(r.urn)) {
      row.tenantScoped++;
      tenantTypes.set(r.type, (tenantTypes.get(r.type) ?? 0) + 1);
    }
  }
  return { rows: rows.filter((r) => r.total > 0), tenantTypes: [...tenantTypes.entries()].sort(([a], [b]) => a.localeCompare(b)) };
}

function describeMix(mix: Record<keyof TenantFeatures, number>, n: number): string {
  const pct = (k: keyof TenantFeatures) => `${mix[k]} (${Math.round((100 * mix[k]) / n)}%)`;
  return [
    `helm repos ${pct("helm")}`,
    `image automation ${pct("imageAutomation")} of which ECR ${mix.ecr}`,
    `slack ${pct("slack")}`,
    `commit status ${pct("commitStatus")}`,
    `prod overrides ${pct("overrides")}`,
    `isolation none ${pct("isolationNone")}`,
    `stages omitted ${pct("stagesOmitted")} (others [dev, prod])`,
    `webhook off ${pct("webhookOff")}`,
  ].join(", ");
}

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  rows.forEach((r) => console.log(line(r)));
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
