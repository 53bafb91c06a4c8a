import * as assert from "node:assert/strict";
import { main } from "../../automation/cli";
import { CLI_MISSING_MESSAGE } from "../../automation/failures";
import { USAGE } from "../../automation/args";
import { FakeIo, FakePulumi, step, urn } from "./fakes";

const BUCKET = "aws:s3/bucket:Bucket";
const PROJECT_FILES = { "/repo": ["Pulumi.yaml", "Pulumi.prod.yaml", "Pulumi.dev.yaml", "index.ts"] };

describe("deploy CLI", () => {
  it("CLI missing gives one line and exit 1", async () => {
    const io = new FakeIo(new FakePulumi(), PROJECT_FILES, {}, false);
    const code = await main(["preview", "--all"], io);
    assert.equal(code, 1);
    assert.deepEqual(io.err, [CLI_MISSING_MESSAGE]);
    assert.equal(
      CLI_MISSING_MESSAGE,
      'pulumi CLI not found: install it with "curl -fsSL https://get.pulumi.com | sh" (or see https://www.pulumi.com/docs/install/) and put it on PATH',
    );
    assert.deepEqual(io.pulumi.calls, []);
  });

  it("a preview deleting a protected resource exits 1", async () => {
    const events = [step("delete", urn(BUCKET, "state"), BUCKET, { protect: true })];
    const io = new FakeIo(new FakePulumi({ prod: { events } }), PROJECT_FILES);
    const code = await main(["preview", "--stack", "prod"], io);
    assert.equal(code, 1);
    assert.match(io.files.get("/repo/out/deploy-summary.md") ?? "", /⛔ would delete protected resource/);
    const json = JSON.parse(io.files.get("/repo/out/deploy-result.json") ?? "{}");
    assert.equal(json.stacks[0].protectedDeletions[0].name, "state");
    assert.equal(json.exitCode, 1);
  });

  it("a clean run exits 0 and writes the summary and the JSON result", async () => {
    const events = [step("create", urn(BUCKET, "logs"), BUCKET)];
    const io = new FakeIo(new FakePulumi({ dev: { events }, prod: { events } }), PROJECT_FILES);
    const code = await main(["up", "--all", "--summary", "tmp/s.md", "--json", "tmp/r.json"], io);
    assert.equal(code, 0);
    assert.deepEqual([...io.files.keys()], ["/repo/tmp/s.md", "/repo/tmp/r.json"]);
    assert.ok(io.out.includes("[prod] up succeeded: 1 to create, 0 to update, 0 to replace, 0 to delete"));
  });

  it("a failed stack makes the run exit 1 and the others still run", async () => {
    const io = new FakeIo(new FakePulumi({ dev: { lockedTimes: 9 } }), PROJECT_FILES);
    const code = await main(["up", "--all", "--retries", "1"], io);
    assert.equal(code, 1);
    assert.deepEqual(io.pulumi.calls.filter((c) => c.startsWith("up")).sort(), ["up dev", "up dev", "up prod"]);
    const summary = io.files.get("/repo/out/deploy-summary.md") ?? "";
    assert.match(summary, /### dev: ❌ up failed/);
    assert.match(summary, /stack dev is locked by another update; gave up after 1 retry\n/);
  });

  it("--all runs every stack file of the project, sorted", async () => {
    const io = new FakeIo(new FakePulumi(), PROJECT_FILES);
    await main(["preview", "--all", "--concurrency", "1"], io);
    assert.deepEqual(io.validated, ["/repo dev", "/repo prod"]);
    assert.deepEqual(io.pulumi.calls, ["open dev /repo", "preview dev", "open prod /repo", "preview prod"]);
  });

  it("--all in a directory without stack files is a usage error", async () => {
    const io = new FakeIo();
    assert.equal(await main(["preview", "--all", "--project", "empty"], io), 2);
    assert.equal(io.err[0], "error: --all: no Pulumi.<stack>.yaml in /repo/empty");
  });

  it("validation problems go to stderr one per line, exit 1, and nothing runs", async () => {
    const problems = ["tenants/app-a.yaml: quota.memory: use 4Gi", "Pulumi.dev.yaml: platform:stage: is required"];
    const io = new FakeIo(new FakePulumi(), PROJECT_FILES, { dev: problems });
    assert.equal(await main(["up", "--stack", "dev"], io), 1);
    assert.deepEqual(io.err, problems);
    assert.deepEqual(io.pulumi.calls, []);
    assert.equal(io.files.size, 0);
  });

  it("destroy without a matching --confirm-destroy is refused with exit 2 before anything runs", async () => {
    const io = new FakeIo(new FakePulumi(), PROJECT_FILES);
    const code = await main(["destroy", "--stack", "prod", "--confirm-destroy", "dev"], io);
    assert.equal(code, 2);
    assert.deepEqual(io.err, [
      'error: refusing to destroy stack prod: --confirm-destroy "dev" does not match the stack name',
      USAGE,
    ]);
    assert.deepEqual(io.validated, []);
    assert.deepEqual(io.pulumi.calls, []);
  });

  it("usage errors give one line and the usage, exit 2", async () => {
    const io = new FakeIo();
    assert.equal(await main(["deploy", "--stack", "dev"], io), 2);
    assert.equal(io.err.length, 2);
    assert.match(io.err[0], /^error: unknown command "deploy"/);
    assert.equal(io.err[1], USAGE);
  });

  it("--help prints the usage and exits 0", async () => {
    const io = new FakeIo();
    assert.equal(await main(["--help"], io), 0);
    assert.deepEqual(io.out, [USAGE]);
  });
});
