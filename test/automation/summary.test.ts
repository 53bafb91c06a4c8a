import * as assert from "node:assert/strict";
import type { StackResult } from "../../automation/driver";
import { namespaceCallout, renderJson, renderMarkdown, statusLine } from "../../automation/summary";
import { BUCKET_DELETE_PROTECTED, okResult } from "./results";

const NS = "kubernetes:core/v1:Namespace";

const devWithTenantRemoved: StackResult = {
  ...okResult("dev"),
  changes: {
    [NS]: { create: 0, update: 0, delete: 1, replace: 0 },
    "aws:s3/bucket:Bucket": { create: 2, update: 1, delete: 0, replace: 0 },
  },
  tenants: ["app-a (dev-euw1)"],
  namespaceDeletions: [{ op: "delete", namespace: "app-a", tenant: "app-a", cluster: "dev-euw1", urn: "urn:x" }],
};

describe("deploy summary", () => {
  it("the summary calls out a deleted tenant namespace", () => {
    const md = renderMarkdown("preview", [devWithTenantRemoved], 0);
    assert.match(md, /⚠ deletes tenant namespace app-a on cluster dev-euw1/);
  });

  it("a new repository and a new write key are called out loudly, naming repository and tenant", () => {
    const md = renderMarkdown("preview", [{
      ...okResult("dev"),
      accessGrants: [
        { kind: "new repository", repository: "payments", tenant: "app-b", urn: "urn:a" },
        { kind: "write key", repository: "sock-shop-gitops", tenant: "sock-shop", urn: "urn:b" },
      ],
    }], 0);
    assert.match(md, /> \*\*🆕 first deploy key on repository payments \(tenant app-b\): its commits will reach the clusters/);
    assert.match(md, /> \*\*🔑 grants a WRITE deploy key on repository sock-shop-gitops \(tenant sock-shop\): Flux will push to it/);
  });

  it("a replaced namespace is called out as deleted first", () => {
    const line = namespaceCallout({ op: "replace", namespace: "ingress-nginx", urn: "urn:x" });
    assert.equal(line, "⚠ replaces (deletes, then recreates) namespace ingress-nginx");
  });

  it("each stack has a table of changes by resource type, sorted", () => {
    const md = renderMarkdown("preview", [devWithTenantRemoved], 0);
    const table = [
      "| Type | Create | Update | Replace | Delete |",
      "|---|---:|---:|---:|---:|",
      "| `aws:s3/bucket:Bucket` | 2 | 1 | 0 | 0 |",
      "| `kubernetes:core/v1:Namespace` | 0 | 0 | 0 | 1 |",
    ].join("\n");
    assert.ok(md.includes(table), md);
    assert.match(md, /\| dev \| ✅ preview succeeded \| 2 \| 1 \| 0 \| 1 \|/);
  });

  it("the tenants touched are listed per stack", () => {
    const md = renderMarkdown("preview", [devWithTenantRemoved, okResult("prod")], 0);
    assert.match(md, /### dev[^#]*Tenants touched: app-a \(dev-euw1\)/);
    assert.match(md, /### prod[^#]*No resource changes\.\n\nTenants touched: none/);
  });

  it("protected deletions are listed and mark the stack", () => {
    const md = renderMarkdown("preview", [{ ...okResult("prod"), protectedDeletions: [BUCKET_DELETE_PROTECTED] }], 1);
    assert.match(md, /⛔ would delete protected resource aws:s3\/bucket:Bucket state/);
    assert.match(md, /### prod: ⛔ preview would delete protected resources/);
    assert.match(md, /## Pulumi preview: ❌ needs attention/);
  });

  it("a failed stack shows its error in a code block that cannot be broken out of", () => {
    const failed: StackResult = { ...okResult("prod"), status: "failed", error: "error: boom ```" };
    const md = renderMarkdown("up", [failed], 1);
    assert.match(md, /### prod: ❌ preview failed\n\n```text\nerror: boom '''\n```/);
  });

  it("the JSON result carries every stack field and the exit code", () => {
    const json = JSON.parse(renderJson("preview", [devWithTenantRemoved], 0));
    assert.equal(json.exitCode, 0);
    assert.deepEqual(Object.keys(json.stacks[0]).sort(), [
      "accessGrants", "changes", "command", "error", "name", "namespaceDeletions", "protectedDeletions", "status", "tenants",
    ]);
  });

  it("the console status line totals the changes", () => {
    assert.equal(statusLine(devWithTenantRemoved), "[dev] preview succeeded: 2 to create, 1 to update, 0 to replace, 1 to delete");
  });
});
