import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadProject } from "../lib/project";
import { ciRunnerLabels, stackDefaults } from "../lib/stack-schema";
import { ROOT, tempDir } from "./helpers/fixtures";

/**
 * The CI workflow as GitHub reads it (.github/workflows/platform.yml): who gets deploy credentials,
 * which role and runner each stack gets, and what can hold up what.
 */
interface Step { name?: string; id?: string; run?: string; uses?: string; env?: Record<string, string> }
interface Job {
  if?: string;
  needs?: string | string[];
  "runs-on": string | string[];
  environment?: string | { name: string };
  concurrency?: string | { group: string; "cancel-in-progress"?: boolean | string };
  permissions?: Record<string, string> | string;
  outputs?: Record<string, string>;
  steps: Step[];
}
interface Workflow { on: Record<string, unknown>; permissions?: unknown; concurrency?: unknown; jobs: Record<string, Job> }

const WORKFLOW = path.join(ROOT, ".github", "workflows", "platform.yml");
const workflow = parse(fs.readFileSync(WORKFLOW, "utf8")) as Workflow;
const jobs = Object.entries(workflow.jobs);

const scripts = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
/** Jobs that run the deploy driver on `stack` (any command). */
const jobsOnStack = (stack: string) => jobs.filter(([, j]) => scripts(j).some((r) => /npm run deploy\b/.test(r) && r.includes(`--stack ${stack}`)));
const environmentOf = (j: Job) => (typeof j.environment === "string" ? j.environment : j.environment?.name);
const groupOf = (j: Job) => (typeof j.concurrency === "string" ? j.concurrency : j.concurrency?.group);
const needsOf = (j: Job) => (j.needs === undefined ? [] : typeof j.needs === "string" ? [j.needs] : j.needs);
/** The conjuncts of a job's `if` (a condition with `||` has none we can rely on). */
const conjuncts = (j: Job) => (j.if === undefined || j.if.includes("||") ? [] : j.if.split("&&").map((c) => c.trim()));

const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";
const ON_PUSH = "github.event_name == 'push'";

describe("the CI workflow (.github/workflows/platform.yml)", () => {
  it("no run script expands ${{ … }}: step outputs and event data reach scripts through env", () => {
    const inline = jobs.flatMap(([id, j]) => j.steps.filter((s) => s.run?.includes("${{")).map((s) => `${id}: ${s.name ?? s.run}`));
    assert.deepEqual(inline, []);
  });

  it("the preview and up of every stack is one job per stack (no --all: each stack gets its own role and runner)", () => {
    assert.ok(!jobs.some(([, j]) => scripts(j).some((r) => /npm run deploy\b.*--all/.test(r))), "a job runs the driver with --all");
    for (const stack of ["dev", "prod"]) {
      for (const command of ["preview", "up"]) {
        assert.ok(jobsOnStack(stack).some(([, j]) => scripts(j).some((r) => r.includes(`npm run deploy -- ${command} --stack ${stack}`))), `no job runs ${command} on ${stack}`);
      }
    }
  });

  it("every job that previews or deploys prod runs in the production environment (its role and reviewers), and no other stack's job does", () => {
    for (const [id, j] of jobsOnStack("prod")) assert.equal(environmentOf(j), "production", `${id} touches prod outside the production environment`);
    for (const [id, j] of jobsOnStack("dev")) assert.notEqual(environmentOf(j), "production", `${id} deploys dev with prod's role`);
  });

  it("dev deploys never queue behind prod: no workflow-wide concurrency group, and dev's and prod's up each have their own, never cancelled midway", () => {
    assert.equal(workflow.concurrency, undefined, "a workflow-wide group holds every job of the next run behind a prod approval");
    const [[, upDev]] = jobs.filter(([, j]) => scripts(j).some((r) => r.includes("up --stack dev")));
    const [[, upProd]] = jobs.filter(([, j]) => scripts(j).some((r) => r.includes("up --stack prod")));
    for (const j of [upDev, upProd]) {
      assert.ok(groupOf(j), "an up job without a concurrency group can run beside another up of its stack");
      assert.ok(typeof j.concurrency === "object" && j.concurrency["cancel-in-progress"] === false, "cancelling pulumi up midway leaves a locked stack");
    }
    const prodGroups = jobs.filter(([, j]) => environmentOf(j) === "production").map(([, j]) => groupOf(j));
    assert.ok(!prodGroups.includes(groupOf(upDev)), `dev's up shares a group with a job waiting for production approval: ${groupOf(upDev)}`);
  });

  it("pull requests from forks get no deploy credentials: every job with an OIDC token, secrets, an environment or a self-hosted runner runs only on push or for same-repository pull requests", () => {
    assert.deepEqual(Object.keys(workflow.on).filter((e) => ["pull_request_target", "workflow_run"].includes(e)), [], "these triggers hand secrets to code from forks");
    assert.deepEqual(workflow.permissions, { contents: "read" }, "workflow-wide permissions are read-only");
    for (const [id, j] of jobs) {
      const text = JSON.stringify(j);
      const privileged = (typeof j.permissions === "object" && j.permissions["id-token"] === "write") || text.includes("secrets.") || j.environment !== undefined || j["runs-on"] !== "ubuntu-latest";
      if (!privileged) continue;
      const gate = conjuncts(j);
      assert.ok(gate.includes(ON_PUSH) || gate.includes(SAME_REPOSITORY), `${id} holds credentials or a self-hosted runner but its if (${j.if}) lets fork pull requests in`);
    }
  });

  it("prod's jobs run on the runner Pulumi.prod.yaml names in platform:ci.runnerLabels, which the scope job reads from the stack file", () => {
    const prod = loadProject({ projectDir: ROOT, stack: "prod" }).stack;
    assert.ok(prod.clusters.every((c) => "endpoint" in c && !c.endpoint.public), "the shipped prod stack is private-only (what this test is about)");
    assert.ok(!ciRunnerLabels(prod).includes("ubuntu-latest"), "prod names a runner inside its VPCs");
    for (const [id, j] of jobsOnStack("prod")) {
      assert.equal(j["runs-on"], "${{ fromJSON(needs.scope.outputs.prod-runner) }}", `${id} runs elsewhere`);
      assert.ok(needsOf(j).includes("scope"), `${id} does not need the scope job`);
    }
    const scope = workflow.jobs.scope;
    assert.equal(scope.outputs?.["prod-runner"], "${{ steps.runner.outputs.labels }}");
    const read = scope.steps.find((s) => s.id === "runner")!.run!;
    const labelsFrom = (stackFile: string) => {
      const dir = tempDir("runner");
      fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), stackFile);
      const output = path.join(dir, "github-output");
      const ran = spawnSync("bash", ["-e", "-c", read], { cwd: dir, encoding: "utf8", env: { ...process.env, GITHUB_OUTPUT: output, NODE_PATH: path.join(ROOT, "node_modules") } });
      assert.equal(ran.status, 0, ran.stderr);
      const line = fs.readFileSync(output, "utf8").split("\n").find((l) => l.startsWith("labels="))!;
      return JSON.parse(line.slice("labels=".length)) as string[];
    };
    assert.deepEqual(labelsFrom(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")), ciRunnerLabels(prod));
    assert.deepEqual(labelsFrom("config:\n  platform:stage: prod\n"), stackDefaults.ciRunnerLabels, "without platform:ci, the schema's default runner");
  });
});
