import * as assert from "node:assert/strict";
import { deploy, DriverDeps, exitCodeFor, RunRequest, StackResult } from "../../automation/driver";
import { BUCKET_DELETE_PROTECTED, okResult } from "./results";
import { cliMissing, commandFailure, FakeIo, FakePulumi, StackScript, step, urn } from "./fakes";

const BUCKET = "aws:s3/bucket:Bucket";

function request(overrides: Partial<RunRequest> = {}): RunRequest {
  return { command: "preview", stacks: ["dev"], refresh: false, concurrency: 2, retries: 3, projectDir: "/repo", ...overrides };
}

/** Driver deps over a fake Pulumi, sharing the FakeIo recorders. */
function setup(scripts: Record<string, StackScript> = {}, problems: Record<string, string[]> = {}) {
  const io = new FakeIo(new FakePulumi(scripts), {}, problems);
  const deps: DriverDeps = { ...io, validate: (stack) => io.validate("/repo", stack) };
  return { io, pulumi: io.pulumi, deps };
}

async function results(req: RunRequest, deps: DriverDeps): Promise<StackResult[]> {
  const outcome = await deploy(req, deps);
  assert.equal(outcome.kind, "ran", JSON.stringify(outcome));
  return (outcome as { results: StackResult[] }).results;
}

describe("deploy driver", () => {
  it("no workspace is created when validation fails", async () => {
    const problem = "tenants/app-a.yaml: quota.memory: not a Kubernetes quantity";
    const { pulumi, deps } = setup({}, { dev: [problem], prod: [problem, "Pulumi.prod.yaml: platform:stage: is required"] });
    const outcome = await deploy(request({ stacks: ["dev", "prod"] }), deps);
    assert.deepEqual(outcome, { kind: "invalid", problems: [problem, "Pulumi.prod.yaml: platform:stage: is required"] });
    assert.deepEqual(pulumi.calls, []);
  });

  it("every selected stack is validated before any stack runs", async () => {
    const { io, pulumi, deps } = setup({}, { prod: ["Pulumi.prod.yaml: bad"] });
    await deploy(request({ stacks: ["dev", "prod"] }), deps);
    assert.deepEqual(io.validated, ["/repo dev", "/repo prod"]);
    assert.deepEqual(pulumi.calls, []);
  });

  it("a locked stack is retried with backoff and then succeeds", async () => {
    const { io, deps } = setup({ prod: { lockedTimes: 2 } });
    const [result] = await results(request({ stacks: ["prod"] }), deps);
    assert.equal(result.status, "succeeded");
    assert.deepEqual(io.sleeps, [2000, 4000]);
    assert.match(io.err.join("\n"), /\[prod\] stack is locked by another update; retry 1 of 3 in 2s/);
  });

  it("gives up after N retries naming the stack", async () => {
    const { io, deps } = setup({ prod: { lockedTimes: 99 } });
    const [result] = await results(request({ stacks: ["prod"], retries: 3 }), deps);
    assert.equal(result.status, "failed");
    assert.equal(result.error, "stack prod is locked by another update; gave up after 3 retries");
    assert.deepEqual(io.sleeps, [2000, 4000, 8000]);
    assert.ok(io.err.includes("[prod] preview failed: stack prod is locked by another update; gave up after 3 retries"));
  });

  it("failures other than a lock are not retried and keep the CLI's error lines", async () => {
    const failure = commandFailure("Previewing update (dev):\nerror: preview failed: quota exceeded\n");
    const { io, pulumi, deps } = setup({ dev: { failWith: failure } });
    const [result] = await results(request(), deps);
    assert.equal(result.error, "error: preview failed: quota exceeded");
    assert.deepEqual(io.sleeps, []);
    assert.deepEqual(pulumi.calls, ["open dev /repo", "preview dev"]);
  });

  it("never more than --concurrency stacks run at once", async () => {
    const stacks = ["a", "b", "c", "d", "e"];
    for (const concurrency of [1, 2, 3]) {
      const { pulumi, deps } = setup();
      const out = await results(request({ stacks, concurrency }), deps);
      assert.equal(pulumi.maxActive, concurrency, `concurrency ${concurrency}`);
      assert.deepEqual(out.map((r) => r.name), stacks, "results keep the order asked for");
    }
  });

  it("engine output is streamed line by line with the stack prefix", async () => {
    const { io, deps } = setup({ dev: { output: ["Previewing update (dev)\nRes", "ources:\r\n    + 2 to cre", "ate"] } });
    await results(request(), deps);
    assert.deepEqual(io.out, ["[dev] Previewing update (dev)", "[dev] Resources:", "[dev]     + 2 to create"]);
  });

  it("--refresh runs a refresh before up, and only up's events are summarised", async () => {
    const { pulumi, deps } = setup({
      dev: {
        refreshEvents: [step("refresh", urn(BUCKET, "drifted"), BUCKET), step("delete", urn(BUCKET, "gone"), BUCKET)],
        events: [step("create", urn(BUCKET, "logs"), BUCKET)],
      },
    });
    const [result] = await results(request({ command: "up", refresh: true }), deps);
    assert.deepEqual(pulumi.calls, ["open dev /repo", "refresh dev", "up dev"]);
    assert.deepEqual(result.changes, { [BUCKET]: { create: 1, update: 0, delete: 0, replace: 0 } });
  });

  it("each command runs its own operation", async () => {
    for (const command of ["preview", "up", "destroy"] as const) {
      const { pulumi, deps } = setup();
      await results(request({ command }), deps);
      assert.deepEqual(pulumi.calls, ["open dev /repo", `${command} dev`]);
    }
  });

  it("a CLI that is not on PATH stops the run before any stack is opened", async () => {
    const { pulumi, deps } = setup();
    const outcome = await deploy(request(), { ...deps, cliAvailable: () => false });
    assert.deepEqual(outcome, { kind: "cli-missing" });
    assert.deepEqual(pulumi.calls, []);
  });

  it("a CLI that cannot be spawned is recognised from the API's error", async () => {
    const { io, deps } = setup({ dev: { openFailsWith: cliMissing() } });
    assert.deepEqual(await deploy(request(), deps), { kind: "cli-missing" });
    assert.deepEqual(io.err, [], "nothing per stack: the caller prints one line");
  });

  it("the exit code is 1 when a stack failed or a protected resource would be deleted", () => {
    assert.equal(exitCodeFor([okResult("dev"), okResult("prod")]), 0);
    assert.equal(exitCodeFor([okResult("dev"), { ...okResult("prod"), status: "failed", error: "x" }]), 1);
    assert.equal(exitCodeFor([{ ...okResult("dev"), protectedDeletions: [BUCKET_DELETE_PROTECTED] }]), 1);
  });
});
