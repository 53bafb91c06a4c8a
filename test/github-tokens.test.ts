/**
 * A GitHub App installation token covers one owner (organization or user): each owner the stack
 * writes to may have its own token, `github:token-<owner>`, else the stack's `github:token`.
 */
import * as assert from "node:assert/strict";
import { githubTokenKey, missingGithubTokens } from "../lib/project";
import { planFailure, planOf, received, registrationsOf } from "./mocks";

const PROVIDER = "pulumi:providers:github";

describe("GitHub tokens per owner", () => {
  it("each owner's provider and the fleet commit use that owner's token, github:token only where an owner has none", async () => {
    const plan = await planOf({ stack: "dev", config: { [githubTokenKey("acme")]: "ghs_acme_installation" } });
    const providers = registrationsOf(plan, PROVIDER);
    assert.ok(providers.some((p) => p.name === "github-acme"), "premise: the fleet and tenants are acme's");
    for (const p of providers) {
      const token = received(plan, PROVIDER, p.name).inputs.token;
      assert.equal(token, p.name === "github-acme" ? "ghs_acme_installation" : "offline-standin-github-token", p.name);
    }
    for (const commit of plan.received.filter((r) => r.type === "pulumi-nodejs:dynamic/fleet:FleetCommit")) {
      assert.equal(commit.inputs.token, "ghs_acme_installation", `${commit.name} writes the fleet (acme's) with acme's token`);
    }
  });

  it("an owner without a token of its own, and no github:token, is refused naming the owner and the config command", () => {
    const has = (k: string) => k === githubTokenKey("acme");
    assert.deepEqual(missingGithubTokens(["acme", "team-b"], has, "prod", "Pulumi.prod.yaml"), [{
      file: "Pulumi.prod.yaml",
      field: "github:token-team-b",
      message: "no GitHub token for owner team-b (its repositories get deploy keys, webhooks or fleet files): set one with: pulumi config set --secret --stack prod github:token-team-b <token of the GitHub App installation on team-b>, or github:token / GITHUB_TOKEN for one token that can write to every owner",
    }]);
    assert.deepEqual(missingGithubTokens(["acme", "team-b"], (k) => k === "github:token", "prod", "Pulumi.prod.yaml"), [], "one token for every owner");
  });

  it("the program stops before any resource when an owner it writes to has no token", async () => {
    const saved = process.env.GITHUB_TOKEN;
    delete process.env.GITHUB_TOKEN;
    try {
      const { error, requested } = await planFailure({ stack: "dev", config: { "github:token": "" } });
      assert.match(String(error), /Pulumi\.dev\.yaml: github:token-acme: no GitHub token for owner acme .*pulumi config set --secret --stack dev github:token-acme/);
      assert.deepEqual(requested.filter((r) => !r.startsWith("pulumi:pulumi:")), [], "nothing registered");
    } finally {
      if (saved !== undefined) process.env.GITHUB_TOKEN = saved;
    }
  });
});
