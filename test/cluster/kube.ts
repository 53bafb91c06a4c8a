import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { stringify } from "yaml";
import { BIN_DIR } from "../../engines/build";
import type { K8sObject } from "../../lib/objects/meta";
import { live } from "./setup";

/** What the API server answered, through the real kubectl. */
export interface Answer {
  ok: boolean;
  out: string;
  err: string;
}

export interface AsUser {
  /** Impersonate this user (service accounts: `system:serviceaccount:<ns>:<name>`; their groups are added by the API server). */
  as?: string;
}

export function kubectl(args: string[], o: AsUser & { input?: string } = {}): Answer {
  const impersonate = o.as ? [`--as=${o.as}`] : [];
  const r = spawnSync(path.join(BIN_DIR, "kubectl"), ["--kubeconfig", live().kubeconfig, ...impersonate, ...args], {
    input: o.input,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { ok: r.status === 0, out: r.stdout, err: r.stderr.trim() };
}

export const yamlOf = (objects: K8sObject[]) => objects.map((o) => stringify(o)).join("---\n");

/** Server-side apply of objects, as a given field manager (force: the plans of several clusters share names here). */
export function apply(objects: K8sObject[], o: AsUser & { dryRun?: boolean; manager?: string } = {}): Answer {
  const args = ["apply", "--server-side", "--force-conflicts", `--field-manager=${o.manager ?? "platform-tests"}`, "-o", "name", "-f", "-"];
  if (o.dryRun) args.push("--dry-run=server");
  return kubectl(args, { ...o, input: yamlOf(objects) });
}

/** Fails with what the API server said unless it admitted the request. */
export function admitted(a: Answer, what: string): string {
  assert.ok(a.ok, `${what} was refused: ${a.err}`);
  return a.out;
}

/** Fails unless the API server refused the request with a message matching `message`. */
export function refused(a: Answer, message: RegExp, what: string): void {
  assert.ok(!a.ok, `${what} was admitted, expected a refusal matching ${message}`);
  assert.match(a.err, message, `${what}: the API server said: ${a.err}`);
}

export const serviceAccount = (namespace: string, name: string) => `system:serviceaccount:${namespace}:${name}`;

/** Polls until `check` returns a value (not undefined), or fails after `seconds` with the last state described. */
export async function eventually<T>(what: string, check: () => T | undefined, seconds = 60, describe: () => string = () => ""): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > until) assert.fail(`${what}: not within ${seconds}s. ${describe()}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** An object as the API server holds it, or undefined. */
export function getObject<T = K8sObject>(kind: string, name: string, namespace?: string): T | undefined {
  const a = kubectl(["get", kind, name, "-o", "json", ...(namespace ? ["-n", namespace] : [])]);
  return a.ok ? (JSON.parse(a.out) as T) : undefined;
}
