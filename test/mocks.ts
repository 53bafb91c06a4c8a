/**
 * Shared helpers for tests of the Pulumi program (index.ts). A configuration is run once through
 * the offline plan (`plan/run.ts`: the program under Pulumi's mock runtime with the stand-ins) and
 * the result is cached, so test files can ask for the same stack as often as they like.
 *
 * Besides the plan (registrations with secrets redacted, resolved outputs), each run keeps what
 * the stand-ins received and answered for every resource, secrets revealed: that is how a test
 * checks a value the plan hides, such as a webhook URL built from a secret token.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import type { K8sObject } from "../lib/objects/meta";
import type { Registration } from "../plan/recorder";
import { PROJECT_DIR, runProgram, type RunOptions } from "../plan/run";
import { standinMocks } from "../plan/standins";

export type PlanOptions = Omit<RunOptions, "mocks">;

/** The stack outputs index.ts returns, as the plan resolves them (secrets are "[secret]"). */
export interface StackOutputs {
  stage: string;
  delivery: string;
  clusters: Record<string, { endpoint: string; kubeconfig: string; sealingCertificate: string; fleetPath: string; fleetDeployKeyFingerprint: string }>;
  tenants: Record<string, { namespace: string; decommissioned: boolean; repository: string; readOnlyDeployKey: boolean; deployKeyFingerprint?: string }>;
}

/** One resource as the stand-ins saw it: inputs with secrets revealed, and the id and state they answered. */
export interface Received {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  id: string;
  state: Record<string, unknown>;
}

export interface Plan {
  registrations: Registration[];
  outputs: StackOutputs;
  received: Received[];
}

export const REDACTED = "[secret]";
export const RESOURCE_TYPE = {
  eksCluster: "eks:index:Cluster",
  nodeGroup: "eks:index:ManagedNodeGroup",
  awsProvider: "pulumi:providers:aws",
  subnet: "aws:ec2/subnet:Subnet",
  kmsKey: "aws:kms/key:Key",
  fluxInstance: "kubernetes:fluxcd.controlplane.io/v1:FluxInstance",
  chart: "kubernetes:helm.sh/v4:Chart",
  secret: "kubernetes:core/v1:Secret",
  namespace: "kubernetes:core/v1:Namespace",
  configGroup: "kubernetes:yaml/v2:ConfigGroup",
  privateKey: "tls:index/privateKey:PrivateKey",
  selfSignedCert: "tls:index/selfSignedCert:SelfSignedCert",
  randomPassword: "random:index/randomPassword:RandomPassword",
  deployKey: "github:index/repositoryDeployKey:RepositoryDeployKey",
  fleetCommit: "pulumi-nodejs:dynamic/fleet:FleetCommit",
  webhook: "github:index/repositoryWebhook:RepositoryWebhook",
  tenant: "platform:tenant:Tenant",
} as const;

// Pulumi's runtime is process-global: two runs must never overlap, whatever the caller does.
let queue: Promise<unknown> = Promise.resolve();
function exclusive<T>(run: () => Promise<T>): Promise<T> {
  const next = queue.then(run);
  queue = next.catch(() => undefined);
  return next;
}

/** Runs the program once for these options, fresh (not cached). */
export function runPlan(o: PlanOptions): Promise<Plan> {
  return exclusive(async () => {
    const received: Received[] = [];
    const result = await runProgram({ ...o, mocks: capturing(received) });
    return { registrations: result.registrations, outputs: result.outputs as StackOutputs, received };
  });
}

const cache = new Map<string, Promise<Plan>>();

/** The plan for these options, run at most once per test process. */
export function planOf(o: PlanOptions): Promise<Plan> {
  const key = stableJson(o);
  if (!cache.has(key)) cache.set(key, runPlan(o));
  return cache.get(key)!;
}

/**
 * Runs a configuration that must fail. Returns the error and every resource the program asked for
 * before failing (as `type::name`); throws if the run succeeds.
 */
export function planFailure(o: PlanOptions): Promise<{ error: unknown; requested: string[] }> {
  return exclusive(async () => {
    const received: Received[] = [];
    try {
      await runProgram({ ...o, mocks: capturing(received) });
    } catch (error) {
      return { error, requested: received.map((r) => `${r.type}::${r.name}`) };
    }
    throw new Error(`expected the program to fail for ${stableJson(o)}, but it succeeded`);
  });
}

/** STYLE.md's helper for component outputs: the value an Output resolves to. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

export function registrationsOf(plan: Plan, type: string): Registration[] {
  return plan.registrations.filter((r) => r.type === type);
}

/** The one registration of this type and name; fails listing what there is otherwise. */
export function registration(plan: Plan, type: string, name: string): Registration {
  const found = plan.registrations.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    const names = registrationsOf(plan, type).map((r) => r.name).join(", ") || "none";
    throw new Error(`expected one ${type} named ${name}, found ${found.length} (registered: ${names})`);
  }
  return found[0];
}

export function hasRegistration(plan: Plan, type: string, name: string): boolean {
  return plan.registrations.some((r) => r.type === type && r.name === name);
}

/** Resources whose parent is `parent` (direct children only). */
export function childrenOf(plan: Plan, parent: Registration): Registration[] {
  return plan.registrations.filter((r) => r.parent === parent.urn);
}

/** What the stand-ins received and answered for one resource. */
export function received(plan: Plan, type: string, name: string): Received {
  const found = plan.received.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) throw new Error(`expected the stand-ins to receive one ${type} named ${name}, got ${found.length}`);
  return found[0];
}

/** A provider reference (`<urn>::<id>`) points at this provider registration. */
export const refersTo = (ref: string | undefined, provider: Registration) => ref !== undefined && ref.startsWith(`${provider.urn}::`);

/**
 * The fleet file at `file` (a path in the fleet repository), as the FleetCommit that writes it:
 * its registration with `inputs` narrowed to that file (`file`, `content`, and the commit's
 * `repository` and `branch`).
 */
export function fleetFile(plan: Plan, file: string): Registration {
  const found = fleetFiles(plan).filter((r) => r.inputs.file === file);
  if (found.length !== 1) {
    throw new Error(`expected one fleet file ${file}, found ${found.length} (files: ${fleetFiles(plan).map((r) => r.inputs.file).join(", ")})`);
  }
  return found[0];
}

/** Every fleet file of every FleetCommit, one entry per file (see `fleetFile`). */
export function fleetFiles(plan: Plan): Registration[] {
  return registrationsOf(plan, RESOURCE_TYPE.fleetCommit).flatMap((commit) =>
    Object.entries((commit.inputs.files ?? {}) as Record<string, unknown>).map(([file, content]) => ({
      ...commit,
      inputs: { file, content, repository: commit.inputs.repository, branch: commit.inputs.branch },
    })));
}

/** The objects of a (multi-document) YAML file. */
export function yamlObjects(content: unknown): K8sObject[] {
  if (typeof content !== "string") throw new Error(`expected YAML text, got ${JSON.stringify(content)}`);
  return parseAllDocuments(content).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`invalid YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
    return doc.toJS() as K8sObject;
  });
}

/** The objects a fleet file holds. */
export function fileObjects(plan: Plan, file: string): K8sObject[] {
  return yamlObjects(fleetFile(plan, file).inputs.content);
}

/** A stack file as it is, e.g. to compare the plan with what the stack asks for. */
export function stackFile(stack: string): { config: Record<string, unknown> } {
  return parse(fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8"));
}

/** The project's tenant files, parsed, by file stem. */
export function stockTenants(): Record<string, Record<string, unknown>> {
  const dir = path.join(PROJECT_DIR, "tenants");
  return Object.fromEntries(
    fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => [f.replace(/\.ya?ml$/, ""), parse(fs.readFileSync(path.join(dir, f), "utf8"))]),
  );
}

const tempDirs: string[] = [];
process.once("exit", () => tempDirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * A temporary tenants folder: the project's tenant files after `edit` (change, add or delete
 * entries; keys are file stems). Removed when the process exits.
 */
export function tenantsDir(edit: (tenants: Record<string, Record<string, unknown>>) => void): string {
  const tenants = stockTenants();
  edit(tenants);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "program-tenants-"));
  tempDirs.push(dir);
  for (const [stem, t] of Object.entries(tenants)) fs.writeFileSync(path.join(dir, `${stem}.yaml`), stringify(t));
  return dir;
}

/** Every string anywhere in a value (plain objects and arrays), for "nothing leaks" checks. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
}

/** Wraps the stand-in mocks so that every resource they answer is also recorded into `into`. */
function capturing(into: Received[]): NonNullable<RunOptions["mocks"]> {
  return (o) => {
    const inner = standinMocks(o);
    return {
      async newResource(args) {
        const result = await inner.newResource(args);
        into.push({
          type: args.type,
          name: args.name,
          inputs: reveal(args.inputs) as Record<string, unknown>,
          id: result.id ?? "",
          state: reveal(result.state) as Record<string, unknown>,
        });
        return result;
      },
      call: (args) => inner.call(args),
    };
  };
}

/** Replaces Pulumi's secret wrappers with the values they hold, at any depth. */
function reveal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reveal);
  if (!isPlainObject(value)) return value;
  if (value[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return reveal(value.value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reveal(v)]));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (isPlainObject(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v));
}
