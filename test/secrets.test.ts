/**
 * Secrets never show in what the program registers or exports, and a stack that lacks a secret
 * its tenants need is refused with the command that fixes it.
 */
import * as pulumi from "@pulumi/pulumi";
import * as assert from "node:assert/strict";
import { unseal } from "../lib/sealing";
import { STANDIN_SEALING_KEY_PEM } from "../plan/standin-keys";
import {
  fileObjects,
  planFailure,
  planOf,
  REDACTED,
  RESOURCE_TYPE as T,
  registrationsOf,
  runPlan,
  stringsIn,
  type Plan,
  type PlanOptions,
} from "./mocks";

/** The stand-in runProgram gives the Slack webhook of app-a (it has notifications.slack). */
const STANDIN_SLACK_URL = "offline-standin-slackWebhook-app-a";

const CONFIGURATIONS: Record<string, PlanOptions> = {
  "dev (gitops)": { stack: "dev" },
  "prod (gitops)": { stack: "prod" },
  "dev (direct)": { stack: "dev", config: { "platform:delivery": "direct" } },
  "prod (direct)": { stack: "prod", config: { "platform:delivery": "direct" } },
};

/** Every string the plan shows: registration inputs and stack outputs. */
const shown = (plan: Plan) => [...plan.registrations.flatMap((r) => stringsIn(r.inputs)), ...stringsIn(plan.outputs)];
/** Every string the stand-ins were handed, secrets included: proves a secret was there to leak. */
const handed = (plan: Plan) => plan.received.flatMap((r) => stringsIn(r.inputs));
const webhookTokens = (plan: Plan) => plan.received.filter((r) => r.type === T.randomPassword).map((r) => String(r.state.result));

describe("secrets", () => {
  for (const [label, options] of Object.entries(CONFIGURATIONS)) {
    describe(label, () => {
      it("no registration input and no stack output holds a private key", async () => {
        const plan = await planOf(options);
        assert.ok(handed(plan).some((s) => s.includes("PRIVATE KEY")), "premise: private keys are handed to resources");
        assert.deepEqual(shown(plan).filter((s) => s.includes("PRIVATE KEY")), []);
      });

      it("no registration input and no stack output holds a webhook token", async () => {
        const plan = await planOf(options);
        const tokens = webhookTokens(plan);
        assert.ok(tokens.length > 0 && tokens.every((t) => /^[0-9a-f]{40}$/.test(t)), `premise: stand-in tokens exist (${tokens.join(", ")})`);
        assert.ok(tokens.every((t) => handed(plan).some((s) => s.includes(t))), "premise: every token is handed to a webhook");
        assert.deepEqual(shown(plan).filter((s) => tokens.some((t) => s.includes(t))), []);
      });

      it("no registration input and no stack output holds the Slack webhook URL", async () => {
        const plan = await planOf(options);
        assert.deepEqual(shown(plan).filter((s) => s.includes(STANDIN_SLACK_URL)), []);
      });

      it("every cluster's kubeconfig output is secret", async () => {
        const plan = await planOf(options);
        const clusters = Object.values(plan.outputs.clusters);
        assert.ok(clusters.length > 0);
        for (const c of clusters) assert.equal(c.kubeconfig, REDACTED);
        const served = plan.received.filter((r) => r.type === T.eksCluster).map((r) => String(r.state.kubeconfigJson));
        assert.ok(served.every((k) => k.includes('"kind":"Config"')), "premise: the clusters have kubeconfigs");
      });
    });
  }

  it("the Slack webhook URL reaches the cluster only sealed, in app-a's objects", async () => {
    const plan = await planOf({ stack: "dev" });
    const objects = fileObjects(plan, "tenants/dev-euw1/app-a/objects.yaml");
    const sealed = objects.find((o) => o.kind === "SealedSecret" && o.metadata.name === "app-a-slack-webhook");
    assert.ok(sealed, "app-a's Slack webhook is delivered as a SealedSecret");
    const encrypted = (sealed.spec as { encryptedData: Record<string, string> }).encryptedData;
    assert.equal(unseal(encrypted.address, STANDIN_SEALING_KEY_PEM, { namespace: "app-a", name: "app-a-slack-webhook" }).toString("utf8"), STANDIN_SLACK_URL);
  });

  it("a Slack webhook URL set with pulumi config set --secret is sealed for the cluster and shown nowhere", async () => {
    const slack = "https://hooks.slack.com/services/T00000000/B00000000/not-a-real-secret-0123";
    const plan = await runPlan({
      stack: "dev",
      standinSecrets: false,
      config: { "platform:slackWebhook-app-a": slack, "platform:githubStatusToken-sock-shop": "ghp_not-a-real-token-0123456789" },
    });
    assert.ok(registrationsOf(plan, T.tenant).length > 0, "the stack runs once the secrets are set");
    assert.deepEqual(shown(plan).filter((s) => s.includes(slack) || s.includes("ghp_not-a-real-token")), []);
    const sealed = fileObjects(plan, "tenants/dev-euw1/app-a/objects.yaml").find((o) => o.metadata.name === "app-a-slack-webhook");
    const encrypted = (sealed?.spec as { encryptedData: Record<string, string> }).encryptedData;
    assert.equal(unseal(encrypted.address, STANDIN_SEALING_KEY_PEM, { namespace: "app-a", name: "app-a-slack-webhook" }).toString("utf8"), slack);
  });

  it("a stack whose tenants need a Slack webhook fails without it, naming the tenant file, the key and the command that sets it", async () => {
    const { error } = await planFailure({ stack: "dev", standinSecrets: false });
    assert.ok(pulumi.RunError.isInstance(error), `a RunError, got ${String(error)}`);
    const message = (error as Error).message;
    assert.match(message, /tenants\/app-a\.yaml: notifications\.slack: needs the secret config key platform:slackWebhook-app-a in stack dev/);
    assert.match(message, /pulumi config set --secret --stack dev slackWebhook-app-a <value>/);
  });
});
