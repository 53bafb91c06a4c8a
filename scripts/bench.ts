/**
 * `npm run bench [-- --sizes 10,100,1000] [--json FILE] [--keep]`
 *
 * How the offline plan scales with the number of tenants, on a stack with two clusters (prod).
 * Generates synthetic, valid tenant sets into a temporary folder, runs the offline plan on each in a
 * fresh child process (wall time, peak RSS), then times validation and manifest building alone,
 * in this process, so that what the Pulumi runtime adds is visible. It is a report: it exits 0
 * whether or not the targets are met, and 1 only when a plan run fails (2 on usage errors).
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { toYaml } from "../lib/fleet";
import { clusterContexts, type ClusterContext } from "../lib/objects/context";
import { names } from "../lib/objects/meta";
import { usesWebhook } from "../lib/objects/notifications";
import { GITHUB_KNOWN_HOSTS } from "../lib/objects/sealed-secret";
import { tenantObjects } from "../lib/objects/tenant";
import { loadProject, tenantsOnStage } from "../lib/project";
import { resolveForStage, type StageTenant } from "../lib/resolve";
import { sealData } from "../lib/sealing";
import { loadTenants, SYSTEM_NAMESPACES, type Tenant } from "../lib/tenants";
import { STANDIN_SEALING_CERT_PEM, standinKeyFor } from "../plan/standin-keys";
import { fakeResolvedValues, writeTenantSet, type TenantFeatures } from "./bench-tenants";

const PROJECT_DIR = path.resolve(__dirname, "..");
const STACK = "prod";
const DEFAULT_SIZES = [10, 100, 1000];
const TIME_BIN = "/usr/bin/time";
const MB = 1024; // kB per MB, as /usr/bin/time reports kB
const TARGETS = { tenants: 1000, seconds: 15, rssMb: 1.5 * 1024, ratio: 12 };
const USAGE = "usage: npm run bench -- [--sizes 10,100,1000] [--json FILE] [--keep] [--timeout SECONDS]";

interface PlanRun {
  tenants: number;
  wallSeconds: number;
  peakRssMb: number;
  resources: number;
  resourcesPerTenant: number;
  msPerTenant: number;
}

interface PlanJson {
  counts: { resources: number; byType: Record<string, number> };
  resources: Array<{ urn: string; type: string; parent?: string }>;
}

/** One timed phase, cold (first call in this process) and warm (median of the repeats). */
interface Timing {
  what: string;
  items: string;
  coldMs: number;
  warmMs: number;
}

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        sizes: { type: "string" },
        json: { type: "string" },
        keep: { type: "boolean", default: false },
        timeout: { type: "string", default: "1800" },
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
  const sizes = args.sizes ? args.sizes.split(",").map((s) => Number(s.trim())) : DEFAULT_SIZES;
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 99999)) {
    console.error(`--sizes ${args.sizes}: give tenant counts between 1 and 99999, e.g. 10,100,1000\n${USAGE}`);
    return 2;
  }
  sizes.sort((a, b) => a - b);
  const timeoutSeconds = Number(args.timeout);
  if (!(timeoutSeconds > 0)) {
    console.error(`--timeout ${args.timeout}: give a number of seconds\n${USAGE}`);
    return 2;
  }

  const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-bench-"));
  // The stack's config only (an empty tenants folder), so the example tenants cannot get in the way.
  fs.mkdirSync(path.join(root, "no-tenants"));
  const cleanup = () => {
    if (!args.keep) fs.rmSync(root, { recursive: true, force: true });
  };
  let project;
  try {
    project = loadProject({ projectDir: PROJECT_DIR, stack: STACK, tenantsDir: path.join(root, "no-tenants") });
  } catch (e) {
    cleanup();
    throw e;
  }
  const stack = project.stack;
  const useTime = hasGnuTime();
  process.once("SIGINT", () => {
    if (runningGroup !== undefined) process.kill(-runningGroup, "SIGKILL");
    cleanup();
    process.exit(130);
  });

  try {
    console.log(`Offline plan benchmark: stack ${STACK} (stage ${stack.stage}, ${stack.delivery} delivery, ${stack.clusters.length} clusters: ${stack.clusters.map((c) => c.name).join(", ")})`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB RAM; peak RSS from ${useTime ? `${TIME_BIN} -v (Maximum resident set size)` : "process.resourceUsage().maxRSS in the child"}`);
    console.log(`each plan, in a fresh process: ${useTime ? `${TIME_BIN} -v ` : ""}node ${START_FLAGS.join(" ")}${useTime ? "" : " -r scripts/bench-rss.ts"} plan/cli.ts --stack ${STACK} --tenants <set> --out <dir>`);
    console.log(`tenant sets in ${root}${args.keep ? " (kept)" : " (removed afterwards)"}\n`);

    // 1. Tenant sets, checked with the program's own validation before anything is timed.
    const ctx = checkContext(project.knownStages, stack.stage, stack.sealedSecrets.namespace, stack.ingressNamespace);
    const sets = new Map<number, string>();
    const mixes = new Map<number, Record<keyof TenantFeatures, number>>();
    for (const n of sizes) {
      const dir = path.join(root, `tenants-${n}`);
      mixes.set(n, writeTenantSet(dir, n));
      const { problems, tenants } = loadTenants(dir, ctx);
      if (problems.length > 0 || tenants.length !== n) {
        console.error(`generated ${n}-tenant set is not valid (a bug in scripts/bench-tenants.ts):`);
        problems.slice(0, 20).forEach((p) => console.error(`  ${p.file} ${p.field}: ${p.message}`));
        return 1;
      }
      sets.set(n, dir);
    }
    const largest = sizes[sizes.length - 1];
    console.log(`Feature mix (${largest} tenants): ${describeMix(mixes.get(largest)!, largest)}\n`);

    // 2. The offline plan, each size in a fresh process.
    const runs: PlanRun[] = [];
    const plans = new Map<number, PlanJson>();
    for (const n of sizes) {
      const out = path.join(root, `out-${n}`);
      process.stdout.write(`running plan: ${n} tenants ... `);
      const r = await runPlan(sets.get(n)!, out, useTime, timeoutSeconds, root);
      if (!r.ok) {
        console.log("FAILED");
        console.error(r.error);
        return 1;
      }
      const plan = JSON.parse(fs.readFileSync(path.join(out, "plan.json"), "utf8")) as PlanJson;
      if (n === largest) plans.set(n, plan);
      const run: PlanRun = {
        tenants: n,
        wallSeconds: r.wallSeconds,
        peakRssMb: r.peakRssKb / MB,
        resources: plan.counts.resources,
        resourcesPerTenant: plan.counts.resources / n,
        msPerTenant: (r.wallSeconds * 1000) / n,
      };
      runs.push(run);
      console.log(`${run.wallSeconds.toFixed(2)} s, ${run.peakRssMb.toFixed(0)} MB`);
      if (!args.keep) fs.rmSync(out, { recursive: true, force: true });
    }
    console.log("");
    printTable(
      ["tenants", "wall time (s)", "peak RSS (MB)", "resources", "resources/tenant", "ms/tenant"],
      runs.map((r) => [String(r.tenants), r.wallSeconds.toFixed(2), r.peakRssMb.toFixed(0), String(r.resources), r.resourcesPerTenant.toFixed(1), r.msPerTenant.toFixed(1)]),
    );
    const at = (n: number) => runs.find((r) => r.tenants === n);
    const t100 = at(100);
    const t1000 = at(1000);
    const ratio = t100 && t1000 ? t1000.wallSeconds / t100.wallSeconds : undefined;
    console.log("");
    console.log(ratio !== undefined ? `scaling ratio t(1000)/t(100) = ${ratio.toFixed(2)}  (10 = linear; less = fixed start-up cost dominates)` : "scaling ratio t(1000)/t(100): n/a (needs sizes 100 and 1000)");
    if (runs.length >= 2) {
      const [a, b] = [runs[runs.length - 2], runs[runs.length - 1]];
      const marginal = ((b.wallSeconds - a.wallSeconds) * 1000) / (b.tenants - a.tenants);
      const fixed = a.wallSeconds - (marginal * a.tenants) / 1000;
      console.log(`marginal cost between ${a.tenants} and ${b.tenants} tenants: ${marginal.toFixed(1)} ms per tenant (${(marginal / stack.clusters.length).toFixed(1)} ms per tenant and cluster); ${fixed >= 0 ? `implied fixed cost ${fixed.toFixed(2)} s` : `superlinear: the per-tenant cost grows with the number of tenants (${(a.msPerTenant).toFixed(1)} ms/tenant at ${a.tenants} overall)`}`);
    }

    // 3. The same work without the Pulumi runtime, in this process.
    console.log(`\nIn-process, without the Pulumi runtime (${largest}-tenant set, ${stack.clusters.length} clusters; first = first timed call (modules already warmed by checking the sets), warm = median of 3 more):`);
    const timings = inProcessTimings(sets.get(largest)!, ctx, stack.stage, clusterContexts(stack));
    printTable(["phase", "work", "first (ms)", "warm (ms)"], timings.map((t) => [t.what, t.items, t.coldMs.toFixed(0), t.warmMs.toFixed(0)]));
    const planRun = at(largest)!;
    const pureMs = timings.filter((t) => t.what.startsWith("validation") || t.what.startsWith("manifest")).reduce((s, t) => s + t.coldMs, 0);
    console.log(`validation + manifest building (first): ${(pureMs / 1000).toFixed(2)} s of the ${planRun.wallSeconds.toFixed(2)} s plan run; the rest is start-up, the Pulumi runtime and its mocks, sealing, stand-in keys and writing the plan`);
    console.log("(the plan runs validation 3 times: plan/cli.ts main, plan/run.ts addStandinSecrets and index.ts checkInputs each call loadProject)");

    // 4. What the resources are, from the largest plan.
    const classes = classify(plans.get(largest)!);
    console.log(`\nResources by kind (${largest}-tenant plan.json; per tenant = resources under a tenant's Tenant/TenantRegistry components, both clusters, / ${largest}):`);
    printTable(["kind", "total", "platform (fixed)", "per tenant", "per tenant and cluster"], classes.rows.map((c) => [c.kind, String(c.total), String(c.total - c.tenantScoped), (c.tenantScoped / largest).toFixed(2), (c.tenantScoped / largest / stack.clusters.length).toFixed(2)]));
    console.log(`\nPer-tenant resource types (${largest}-tenant plan, per tenant, both clusters):`);
    for (const [type, n] of classes.tenantTypes) console.log(`  ${(n / largest).toFixed(2).padStart(6)}  ${type}`);
    const cloud = classes.rows.filter((c) => c.cloudFacing).reduce((s, c) => s + c.tenantScoped, 0) / largest;
    console.log(`cloud-facing (GitHub + AWS) resources per tenant: ${cloud.toFixed(2)}; each is an API call (or more) on every real pulumi up/preview refresh`);

    // 5. Targets.
    console.log(`\nTargets (${TARGETS.tenants} tenants on ${stack.clusters.length} clusters):`);
    const verdicts: Record<string, "PASS" | "FAIL" | "n/a"> = {};
    const target = (key: string, label: string, value: number | undefined, unit: string, ok: (v: number) => boolean) => {
      verdicts[key] = value === undefined ? "n/a" : ok(value) ? "PASS" : "FAIL";
      console.log(`  ${label.padEnd(28)} ${value === undefined ? "not measured".padStart(12) : `${value.toFixed(2)} ${unit}`.padStart(12)}   ${verdicts[key]}`);
    };
    target("wallTime", `wall time < ${TARGETS.seconds} s`, t1000?.wallSeconds, "s", (v) => v < TARGETS.seconds);
    target("peakRss", `peak RSS < 1.5 GB`, t1000?.peakRssMb, "MB", (v) => v < TARGETS.rssMb);
    target("ratio", `t(1000)/t(100) <= ${TARGETS.ratio}`, ratio, "", (v) => v <= TARGETS.ratio);

    if (args.json) {
      const result = {
        stack: STACK,
        clusters: stack.clusters.map((c) => c.name),
        node: process.version,
        cpus: os.cpus().length,
        rssSource: useTime ? "/usr/bin/time -v" : "process.resourceUsage().maxRSS",
        sizes,
        featureMix: Object.fromEntries(mixes),
        runs,
        ratio1000to100: ratio,
        inProcess: timings,
        resourcesByKind: classes.rows.map((c) => ({ ...c, perTenant: c.tenantScoped / largest })),
        perTenantTypes: Object.fromEntries(classes.tenantTypes.map(([t, n]) => [t, n / largest])),
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

/** GNU time with -v (Debian's `time` package); BusyBox or BSD time would not print the RSS line. */
function hasGnuTime(): boolean {
  if (!fs.existsSync(TIME_BIN)) return false;
  const r = spawnSync(TIME_BIN, ["-v", "true"], { encoding: "utf8" });
  return r.status === 0 && /Maximum resident set size/.test(r.stderr ?? "");
}

/** The context loadProject gives loadTenants, so validation here is the program's. */
function checkContext(knownStages: string[], stage: string, sealedSecretsNamespace: string, ingressNamespace: string) {
  return {
    knownStages: knownStages.includes(stage) ? knownStages : [...knownStages, stage].sort(),
    reservedNamespaces: [...SYSTEM_NAMESPACES, sealedSecretsNamespace, ingressNamespace],
  };
}

/** Process group of the plan run under way, so that Ctrl-C ends it too. */
let runningGroup: number | undefined;

/** Exit status, output and wall time of one child; the child gets its own process group, so a timeout ends it and everything it started. */
function run(cmd: string, args: string[], timeoutSeconds: number, env: NodeJS.ProcessEnv): Promise<{ status: number | null; signal: string | null; timedOut: boolean; stdout: string; stderr: string; error?: Error; wallSeconds: number }> {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: PROJECT_DIR, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let error: Error | undefined;
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
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
      resolve({ status, signal, timedOut, stdout, stderr, error, wallSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
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

async function runPlan(tenantsDir: string, out: string, useTime: boolean, timeoutSeconds: number, root: string): Promise<{ ok: true; wallSeconds: number; peakRssKb: number } | { ok: false; error: string }> {
  const rssFile = path.join(root, `rss-${path.basename(out)}.json`);
  const nodeArgs = [
    ...START_FLAGS,
    ...(useTime ? [] : ["-r", path.join(__dirname, "bench-rss.ts")]),
    "plan/cli.ts", "--stack", STACK, "--tenants", tenantsDir, "--out", out,
  ];
  const [cmd, cmdArgs] = useTime ? [TIME_BIN, ["-v", process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
  const r = await run(cmd, cmdArgs, timeoutSeconds, { ...process.env, BENCH_RSS_FILE: rssFile });
  const wallSeconds = r.wallSeconds;
  const command = `${cmd} ${cmdArgs.join(" ")}`;
  const tail = (s: string) => s.split("\n").slice(-40).join("\n");
  if (r.error) return { ok: false, error: `${command}\n${r.error.message}\n${tail(r.stderr)}` };
  if (r.timedOut) return { ok: false, error: `${command}\ntook longer than --timeout ${timeoutSeconds} s and was stopped\n${tail(r.stderr)}` };
  if (r.status !== 0) return { ok: false, error: `${command}\nexited with ${r.status ?? r.signal}\n${tail(r.stderr)}\n${tail(r.stdout)}` };
  let peakRssKb: number;
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    if (!m) return { ok: false, error: `${command}\nno "Maximum resident set size" in the output of ${TIME_BIN} -v\n${tail(r.stderr)}` };
    peakRssKb = Number(m[1]);
  } else {
    peakRssKb = (JSON.parse(fs.readFileSync(rssFile, "utf8")) as { maxRssKb: number }).maxRssKb;
  }
  if (!fs.existsSync(path.join(out, "plan.json"))) return { ok: false, error: `${command}\nexited 0 but wrote no plan.json in ${out}` };
  return { ok: true, wallSeconds, peakRssKb };
}

function inProcessTimings(dir: string, ctx: ReturnType<typeof checkContext>, stage: string, clusters: ClusterContext[]): Timing[] {
  const timings: Timing[] = [];
  const { tenants } = loadTenants(dir, ctx); // also warms up the modules, before anything is timed below
  const onStage = tenantsOnStage(tenants, stage);
  const pairs = clusters.length * onStage.length;

  timings.push(timed("validation (loadTenants)", `${tenants.length} files`, () => loadTenants(dir, ctx)));

  let objects = 0;
  const build = () => {
    objects = 0;
    const built: ReturnType<typeof tenantObjects>[] = [];
    for (const c of clusters) {
      for (const t of onStage) {
        const st = resolveForStage(t, stage);
        const objs = tenantObjects(st, c, fakeResolvedValues(st));
        objects += objs.length;
        built.push(objs);
      }
    }
    return built;
  };
  timings.push(timed("manifest building (resolveForStage + tenantObjects)", `${pairs} tenant×cluster`, build));
  timings[timings.length - 1].items += `, ${objects} objects`;

  const built = build();
  timings.push(timed("  extra: toYaml of those objects (what each Tenant commits)", `${built.length} files`, () => built.map((o) => toYaml(o))));

  const sealJobs = sealingJobs(onStage, stage, clusters);
  timings.push(timed("  extra: sealing (lib/sealing sealData)", `${sealJobs.reduce((s, j) => s + Object.keys(j.data).length, 0)} values in ${sealJobs.length} secrets`, () =>
    sealJobs.map((j) => sealData(j.data, STANDIN_SEALING_CERT_PEM, j.target, "bench-nonce"))));
  timings.push(timed("  extra: stand-in ED25519 deploy keys (plan/standin-keys)", `${pairs} keys`, () => {
    for (const c of clusters) for (const t of onStage) standinKeyFor(`${t.name}-${c.cluster}-key`, "ED25519");
  }));
  return timings;
}

/** The SealedSecrets a tenant component seals on each cluster, with plaintexts of realistic size. */
function sealingJobs(onStage: Tenant[], stage: string, clusters: ClusterContext[]) {
  const jobs: Array<{ data: Record<string, string>; target: { namespace: string; name: string } }> = [];
  const key = standinKeyFor("bench-sample-key", "ED25519");
  for (const c of clusters) {
    for (const t of onStage) {
      const st: StageTenant = resolveForStage(t, stage);
      const add = (name: string, data: Record<string, string>) => jobs.push({ data, target: { namespace: st.namespace, name } });
      add(names.deployKeySecret(st.name), { identity: key.privateKeyPem, "identity.pub": key.publicKeyOpenssh, known_hosts: GITHUB_KNOWN_HOSTS });
      if (usesWebhook(st, c)) add(names.webhookSecret(st.name), { token: "x".repeat(40) });
      if (st.notifications?.slack) add(names.slackSecret(st.name), { address: "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX" });
      if (st.notifications?.githubCommitStatus) add(names.githubStatusSecret(st.name), { token: "ghp_" + "x".repeat(36) });
    }
  }
  return jobs;
}

function timed(what: string, items: string, fn: () => unknown): Timing {
  const once = () => {
    const t0 = process.hrtime.bigint();
    fn();
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const cold = once();
  const warm = [once(), once(), once()].sort((a, b) => a - b)[1];
  return { what, items, coldMs: cold, warmMs: warm };
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
  { kind: "components (platform:*)", cloudFacing: false, match: (t) => t.startsWith("platform:") },
  { kind: "providers (pulumi:providers:*)", cloudFacing: false, match: (t) => t.startsWith("pulumi:providers:") },
  { kind: "other (pulumi:*)", cloudFacing: false, match: () => true },
];

const TENANT_COMPONENTS = new Set(["platform:tenant:Tenant", "platform:registry:TenantRegistry"]);

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
