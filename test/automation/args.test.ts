import * as assert from "node:assert/strict";
import { DeployOptions, parseDeployArgs, stacksInProject } from "../../automation/args";

/** Parses and insists on a run, so each test reads as the options it expects. */
function options(argv: string[]): DeployOptions {
  const parsed = parseDeployArgs(argv, "/repo");
  assert.equal(parsed.kind, "run", JSON.stringify(parsed));
  return (parsed as { options: DeployOptions }).options;
}

function usageError(argv: string[]): string {
  const parsed = parseDeployArgs(argv, "/repo");
  assert.equal(parsed.kind, "usage-error", `expected a usage error for ${argv.join(" ")}`);
  return (parsed as { message: string }).message;
}

describe("deploy arguments", () => {
  it("destroy without a matching --confirm-destroy is refused", () => {
    assert.match(usageError(["destroy", "--stack", "prod"]), /refusing to destroy stack prod: pass --confirm-destroy prod/);
    assert.match(usageError(["destroy", "--stack", "prod", "--confirm-destroy", "dev"]), /"dev" does not match/);
  });

  it("destroy runs only with the stack name typed again", () => {
    const o = options(["destroy", "--stack", "dev", "--confirm-destroy", "dev"]);
    assert.equal(o.command, "destroy");
    assert.deepEqual(o.stacks, ["dev"]);
  });

  it("destroy never applies to --all or to several stacks", () => {
    assert.match(usageError(["destroy", "--all", "--confirm-destroy", "dev"]), /exactly one --stack/);
    assert.match(usageError(["destroy", "--stack", "dev", "--stack", "prod", "--confirm-destroy", "dev"]), /exactly one/);
  });

  it("--confirm-destroy is rejected outside destroy", () => {
    assert.match(usageError(["up", "--stack", "dev", "--confirm-destroy", "dev"]), /only applies to destroy/);
  });

  it("defaults are concurrency 2, retries 3, out/ files and the current directory", () => {
    const o = options(["preview", "--stack", "dev"]);
    assert.equal(o.concurrency, 2);
    assert.equal(o.retries, 3);
    assert.equal(o.summaryFile, "/repo/out/deploy-summary.md");
    assert.equal(o.jsonFile, "/repo/out/deploy-result.json");
    assert.equal(o.projectDir, "/repo");
    assert.equal(o.refresh, false);
  });

  it("paths are resolved against the working directory", () => {
    const o = options(["up", "--all", "--summary", "s.md", "--json", "/tmp/r.json", "--project", "infra"]);
    assert.equal(o.summaryFile, "/repo/s.md");
    assert.equal(o.jsonFile, "/tmp/r.json");
    assert.equal(o.projectDir, "/repo/infra");
    assert.equal(o.all, true);
  });

  it("repeated --stack selects each stack once, in order", () => {
    assert.deepEqual(options(["up", "--stack", "prod", "--stack", "dev", "--stack", "prod"]).stacks, ["prod", "dev"]);
  });

  it("a run needs exactly one of --stack and --all", () => {
    assert.match(usageError(["preview"]), /--stack NAME or --all/);
    assert.match(usageError(["preview", "--all", "--stack", "dev"]), /not both/);
  });

  it("exactly one known command is required", () => {
    assert.match(usageError(["--all"]), /exactly one command/);
    assert.match(usageError(["apply", "--all"]), /unknown command "apply"/);
    assert.match(usageError(["up", "preview", "--all"]), /exactly one command/);
  });

  it("--concurrency must be a positive integer and --retries a whole number", () => {
    assert.match(usageError(["up", "--all", "--concurrency", "0"]), /--concurrency must be an integer >= 1/);
    assert.match(usageError(["up", "--all", "--concurrency", "2.5"]), /--concurrency/);
    assert.match(usageError(["up", "--all", "--retries", "-1"]), /--retries/);
    assert.equal(options(["up", "--all", "--retries", "0", "--concurrency", "4"]).retries, 0);
  });

  it("--refresh is only accepted for up", () => {
    assert.equal(options(["up", "--stack", "dev", "--refresh"]).refresh, true);
    assert.match(usageError(["preview", "--stack", "dev", "--refresh"]), /only applies to up/);
  });

  it("unknown options are usage errors", () => {
    assert.match(usageError(["up", "--stack", "dev", "--yes"]), /--yes/);
  });

  it("--help asks for the usage", () => {
    assert.equal(parseDeployArgs(["--help"], "/repo").kind, "help");
  });

  it("--all selects every Pulumi.<name>.yaml, sorted, and not the project file", () => {
    assert.deepEqual(
      stacksInProject(["Pulumi.yaml", "Pulumi.prod.yaml", "index.ts", "Pulumi.dev.yaml", "Pulumi.dev.yaml.bak"]),
      ["dev", "prod"],
    );
  });
});
