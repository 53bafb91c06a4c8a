import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { SEALING_KEY_LABEL } from "../../components/sealed-secrets-controller";
import type { K8sObject } from "../../lib/objects/meta";
import { sealData } from "../../lib/sealing";
import { main as planCli } from "../../plan/cli";
import { tempDir } from "../helpers/fixtures";
import { admitted, apply, eventually, getObject, kubectl } from "./kube";
import { planObjects, type ClusterPlan } from "./plans";
import { SEALED_SECRETS_NAMESPACE, sealedSecretsRbac, startSealedSecretsController } from "./sealed-secrets-chart";

/**
 * The real Sealed Secrets controller opens what the program seals offline (lib/sealing.ts), with
 * the sealing key installed the way the program installs it. Values are compared with what the
 * program handed to the sealing function.
 */
interface SecretObject {
  metadata: { ownerReferences?: { uid: string }[] };
  type?: string;
  data?: Record<string, string>;
}
interface SealedStatus {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

const key = (o: K8sObject) => `${o.metadata.namespace}/${o.metadata.name}`;
const sealedSecretsOf = (objects: K8sObject[]) => objects.filter((o) => o.kind === "SealedSecret");
const decoded = (s: SecretObject) => Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]));

/** The controller's answer for a SealedSecret it could not open (status condition Synced=False). */
const syncFailure = (o: K8sObject) => {
  const c = getObject<SealedStatus>("sealedsecret", o.metadata.name, o.metadata.namespace)?.status?.conditions?.find((x) => x.type === "Synced");
  return c?.status === "False" ? (c.message ?? "") : undefined;
};

/** The Secret the controller made from this very SealedSecret (owned by it, not by an earlier one of the same name). */
async function opened(o: K8sObject): Promise<Record<string, string>> {
  const s = await eventually(`Secret ${key(o)} opened by the controller`, () => {
    const uid = getObject<SecretObject & { metadata: { uid: string } }>("sealedsecret", o.metadata.name, o.metadata.namespace)?.metadata.uid;
    const secret = getObject<SecretObject>("secret", o.metadata.name, o.metadata.namespace);
    return uid && secret?.metadata.ownerReferences?.some((r) => r.uid === uid) ? secret : undefined;
  }, 60, () => `SealedSecret status: ${syncFailure(o) ?? "none yet"}`);
  return decoded(s);
}

/** Removes SealedSecrets and waits until the Secrets they own are gone too (garbage collector). */
function removeAll(objects: K8sObject[]): void {
  for (const o of objects) kubectl(["delete", "sealedsecret", o.metadata.name, "-n", o.metadata.namespace!, "--cascade=foreground", "--wait=true", "--timeout=60s", "--ignore-not-found"]);
  for (const o of objects) kubectl(["delete", "secret", o.metadata.name, "-n", o.metadata.namespace!, "--wait=true", "--timeout=60s", "--ignore-not-found"]);
}

describe("the real Sealed Secrets controller", () => {
  let plans: ClusterPlan[];

  before(async function () {
    this.timeout(300_000);
    plans = [];
    for (const stack of ["dev", "prod"]) for (const delivery of ["gitops", "direct"] as const) plans.push(...(await planObjects(stack, delivery)));
    admitted(apply(sealedSecretsRbac()), "the controller's RBAC");
    // The sealing key exactly as the program creates it (components/sealed-secrets-controller.ts).
    const keySecrets = plans.flatMap((p) => p.objects.filter((o) => o.kind === "Secret" && o.metadata.namespace === SEALED_SECRETS_NAMESPACE));
    assert.ok(keySecrets.length > 0, "the plans install a sealing key");
    for (const s of keySecrets) {
      assert.equal(s.type, "kubernetes.io/tls");
      assert.equal(s.metadata.labels?.[SEALING_KEY_LABEL], "active");
    }
    // Offline, every cluster of both stacks seals with the one stand-in key (plan/standin/): installing it once opens all.
    assert.equal(new Set(keySecrets.map((k) => JSON.stringify(k.data ?? k.stringData))).size, 1, "one stand-in sealing key across the plans");
    admitted(apply(keySecrets.slice(0, 1)), "the sealing key");
    admitted(apply(plans.flatMap((p) => p.objects.filter((o) => o.kind === "Namespace"))), "the tenant namespaces");
    await startSealedSecretsController();
  });

  it("every SealedSecret the dev and prod plans render, in both delivery modes, opens on the real controller, with the values the program sealed", async function () {
    this.timeout(600_000);
    let count = 0;
    for (const p of plans) {
      const sealed = sealedSecretsOf(p.objects);
      assert.equal(sealed.length, p.sealed.size, `${p.cluster}: every SealedSecret has recorded values`);
      // Clusters of both stages share namespace and Secret names: one cluster at a time.
      removeAll(sealed);
      admitted(apply(sealed), `${p.cluster}'s SealedSecrets`);
      for (const o of sealed) {
        assert.deepEqual(await opened(o), p.sealed.get(key(o)), `${p.cluster}: ${key(o)}`);
        count++;
      }
    }
    console.log(`      ${count} SealedSecrets opened`);
    assert.ok(count >= 10);
  });

  it("a SealedSecret copied to another namespace or renamed does not open", async function () {
    this.timeout(120_000);
    const [a, b] = plans[0].objects.filter((o) => o.kind === "Namespace" && o.metadata.labels?.["toolkit.fluxcd.io/tenant"]);
    const original = sealedSecretsOf(plans[0].objects).find((o) => o.metadata.namespace === a.metadata.name)!;
    const spec = original.spec as { template?: { metadata?: Record<string, unknown> } };
    const copy = (name: string, namespace: string): K8sObject => ({
      ...original,
      metadata: { ...original.metadata, name, namespace },
      spec: { ...spec, template: { ...spec.template, metadata: { ...spec.template?.metadata, name, namespace } } },
    });
    const copies = [copy(`${original.metadata.name}-renamed`, a.metadata.name), copy(original.metadata.name, b.metadata.name)];
    removeAll(copies);
    admitted(apply(copies), "the copies");
    for (const c of copies) {
      const message = await eventually(`the controller's verdict on ${key(c)}`, () => syncFailure(c));
      assert.match(message, /no key could decrypt secret/, key(c));
      assert.equal(getObject("secret", c.metadata.name, c.metadata.namespace), undefined, `${key(c)} has no Secret`);
    }
  });

  it("after a sealing rotation, SealedSecrets sealed for the previous key and for the new one both open", async function () {
    this.timeout(180_000);
    // Two generations installed as the program installs them (kubernetes.io/tls, label active), the
    // controller restarted as the chart's changed pod annotation restarts it.
    const dir = tempDir("rotation");
    const generations = [7, 8].map((g) => {
      const r = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:4096", "-nodes", "-keyout", `r${g}.key`, "-out", `r${g}.crt`, "-days", "365", "-subj", "/CN=sealed-secret/O=sealed-secret"], { cwd: dir, encoding: "utf8" });
      assert.equal(r.status, 0, r.stderr);
      return { g, cert: fs.readFileSync(path.join(dir, `r${g}.crt`), "utf8"), key: fs.readFileSync(path.join(dir, `r${g}.key`), "utf8") };
    });
    admitted(apply(generations.map(({ g, cert, key: k }): K8sObject => ({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: `sealed-secrets-key-r${g}`, namespace: SEALED_SECRETS_NAMESPACE, labels: { [SEALING_KEY_LABEL]: "active" } },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": cert, "tls.key": k },
    }))), "two generations of the sealing key");
    await startSealedSecretsController();
    const namespace = plans[0].objects.find((o) => o.kind === "Namespace" && o.metadata.labels?.["toolkit.fluxcd.io/tenant"])!.metadata.name;
    const sealed = generations.map(({ g, cert }): K8sObject => ({
      apiVersion: "bitnami.com/v1alpha1",
      kind: "SealedSecret",
      metadata: { name: `sealed-for-r${g}`, namespace },
      spec: { encryptedData: sealData({ value: `generation ${g}` }, cert, { namespace, name: `sealed-for-r${g}` }, "rotation-test"), template: { metadata: { name: `sealed-for-r${g}`, namespace } } },
    }));
    removeAll(sealed);
    admitted(apply(sealed), "one SealedSecret per generation");
    for (const [i, o] of sealed.entries()) assert.deepEqual(await opened(o), { value: `generation ${generations[i].g}` }, key(o));
  });

  it("the plan sealed with --sealing-cert for a freshly made key opens once that key is installed", async function () {
    this.timeout(300_000);
    const dir = tempDir("fresh-key");
    const openssl = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:4096", "-nodes", "-keyout", "tls.key", "-out", "tls.crt", "-days", "365", "-subj", "/CN=sealed-secret/O=sealed-secret"], { cwd: dir, encoding: "utf8" });
    assert.equal(openssl.status, 0, openssl.stderr);
    const out = path.join(dir, "out");
    const lines: string[] = [];
    assert.equal(await planCli(["--stack", "dev", "--sealing-cert", path.join(dir, "tls.crt"), "--out", out], { out: (s) => lines.push(s), err: (s) => lines.push(s) }), 0, lines.join("\n"));
    const dev = plans.find((p) => p.cluster === "dev-euw1")!;
    const tenantDir = path.join(out, "fleet", "tenants", "dev-euw1");
    const written = fs.readdirSync(tenantDir).filter((t) => fs.existsSync(path.join(tenantDir, t, "objects.yaml")))
      .flatMap((t) => parseAllDocuments(fs.readFileSync(path.join(tenantDir, t, "objects.yaml"), "utf8")).map((d) => d.toJS() as K8sObject))
      .filter((o) => o.kind === "SealedSecret");
    assert.equal(written.length, dev.sealed.size, "the written plan has every SealedSecret");
    removeAll(written);
    admitted(apply(written), "SealedSecrets sealed for the fresh key");
    for (const o of written) assert.match(await eventually(`the verdict on ${key(o)} before the key is there`, () => syncFailure(o)), /no key could decrypt secret/);
    const fresh: K8sObject = {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "sealed-secrets-key-fresh", namespace: SEALED_SECRETS_NAMESPACE, labels: { [SEALING_KEY_LABEL]: "active" } },
      type: "kubernetes.io/tls",
      stringData: { "tls.crt": fs.readFileSync(path.join(dir, "tls.crt"), "utf8"), "tls.key": fs.readFileSync(path.join(dir, "tls.key"), "utf8") },
    };
    admitted(apply([fresh]), "the fresh key");
    await startSealedSecretsController(); // it reads its keys when it starts
    for (const o of written) assert.deepEqual(await opened(o), dev.sealed.get(key(o)), key(o));
  });
});
