import * as assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import type { K8sObject } from "../lib/objects/meta";
import { manifestsFrom } from "../plan/manifests";
import { runProgram } from "../plan/run";

/** The kubernetes-models class for a built-in kind, or undefined for custom resources. */
function modelFor(o: K8sObject): (new (data: unknown) => { validate(): void }) | undefined {
  const [group, version] = o.apiVersion.includes("/") ? o.apiVersion.split("/") : ["", o.apiVersion];
  if (group !== "" && !group.endsWith(".k8s.io")) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const models = require(`kubernetes-models/${group ? `${group}/` : ""}${version}`) as Record<string, new (data: unknown) => { validate(): void }>;
  return models[o.kind];
}

/**
 * Pulumi marks a Secret's whole `stringData` secret, so the plan shows it as "[secret]"; validate
 * such a Secret with an empty map in its place (and only a Secret may be redacted like that).
 */
function unredacted(o: K8sObject): K8sObject {
  if (o.stringData !== "[secret]") return o;
  assert.equal(o.kind, "Secret");
  return { ...o, stringData: {} };
}

describe("Kubernetes schemas of built-in objects", function () {
  this.timeout(60_000);

  for (const [stack, delivery] of [["dev", "gitops"], ["dev", "direct"], ["prod", "direct"]] as const) {
    it(`every built-in object of stack ${stack} (${delivery}) is valid against the Kubernetes OpenAPI schema`, async () => {
      const { registrations } = await runProgram({ stack, config: { "platform:delivery": delivery } });
      const objects = Object.values(manifestsFrom(registrations)).flatMap((owners) =>
        Object.values(owners).flatMap((yaml) => parseAllDocuments(yaml).map((d) => d.toJS() as K8sObject)),
      );
      const builtIn = objects.filter((o) => modelFor(o) !== undefined);
      const kinds = new Set(builtIn.map((o) => o.kind));
      for (const k of ["Namespace", "ResourceQuota", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "Ingress", "Secret"]) {
        assert.ok(kinds.has(k), `no ${k} was checked`);
      }
      const errors = builtIn.flatMap((o) => {
        try {
          new (modelFor(o)!)(unredacted(o)).validate();
          return [];
        } catch (e) {
          return [`${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${(e as Error).message}`];
        }
      });
      assert.deepEqual(errors, []);
    });
  }

  it("the schema check catches a wrong type", () => {
    const bad = { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q" }, spec: { hard: ["2"] } } as unknown as K8sObject;
    assert.throws(() => new (modelFor(bad)!)(bad).validate(), /hard/);
  });
});
