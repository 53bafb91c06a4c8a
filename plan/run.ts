import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { platformConfig } from "../lib/config";
import { CONFIG_NAMESPACE, loadProject, requiredSecrets, type LoadedProject } from "../lib/project";
import { recordRegistrations, resolveOutputs, settle, type Registration } from "./recorder";
import { standinMocks, type StandinOptions } from "./standins";
import { readYamlMapping } from "../lib/yaml-file";

/** The SDK module whose exports its other modules call through, so a replacement applies to them. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const DEBUGGABLE: unknown = require("@pulumi/pulumi/runtime/debuggable");

export const PROJECT_DIR = path.resolve(__dirname, "..");
export const PROJECT_NAME = "platform";

export interface RunOptions {
  stack: string;
  /** Tenant folder to use instead of the stack's `platform:tenantsDir`. */
  tenantsDir?: string;
  sealingCertPem?: string;
  /** Extra config (`ns:key` → value) on top of the stack file, e.g. secrets in tests. */
  config?: Record<string, string>;
  mocks?: (o: StandinOptions) => pulumi.runtime.Mocks;
  /** Outputs of the previous update (e.g. an earlier plan's), for the tenant-removal guard. */
  previousOutputs?: Record<string, unknown>;
  /** The project as the caller already validated it (same stack and tenants), so it is not loaded again. */
  project?: LoadedProject;
  /**
   * Keep secret inputs in plain text in the registrations, for the real-engine tests that apply
   * them to a local API server. Never for anything written or printed. @default false
   */
  revealSecrets?: boolean;
  /** Give the secrets tenants need stand-in values (the offline plan has no real ones). @default true */
  standinSecrets?: boolean;
}

export interface RunResult {
  registrations: Registration[];
  outputs: unknown;
}

/**
 * Runs the very program `pulumi up` runs (index.ts) under Pulumi's mock runtime, with the stack's
 * config read from `Pulumi.<stack>.yaml` as Pulumi would present it. Secrets the stack file holds
 * encrypted, and those the tenants need but the file lacks, get stand-in values: they are never
 * real here, and they are redacted in everything written.
 */
export async function runProgram(o: RunOptions): Promise<RunResult> {
  const config = stackConfig(o.stack);
  if (o.tenantsDir) config["platform:tenantsDir"] = path.resolve(o.tenantsDir);
  if (o.standinSecrets !== false) addStandinSecrets(o.stack, config, o.project);
  Object.assign(config, o.config ?? {});
  // Offline runs never hold a real GitHub token: one stand-in serves every owner, unless the
  // caller sets a github:token key itself (set to "" it is absent, as the program sees config).
  if (!Object.keys(config).some((k) => /^github:token(-|$)/.test(k))) config["github:token"] = "offline-standin-github-token";
  const secretKeys = Object.keys(config).filter((k) => /slackWebhook-|githubStatusToken|github:token/.test(k) || config[k].startsWith("offline-standin"));
  pulumi.runtime.setAllConfig(config, secretKeys);
  const region = config["aws:region"] ?? "eu-west-1";
  const records = await recordRegistrations((o.mocks ?? standinMocks)({ region, sealingCertPem: o.sealingCertPem, previousOutputs: o.previousOutputs }), PROJECT_NAME, o.stack, o.revealSecrets);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program: () => Promise<Record<string, unknown>> = require("../index");
  // The SDK records a stack trace for every promise it tracks (hundreds per resource), which
  // dominates an offline run; error messages stay, only their stacks go. Real runs are unaffected.
  // The SDK also reads a full stack per resource for its source position, which ts-node's
  // source-map support rewrites frame by frame; plain V8 frames are enough offline.
  // That per-resource stack (`Resource.callsites`, which lifts the limit above to read every frame)
  // only becomes the source position the engine shows; the mock monitor and the records ignore it,
  // so offline it is not read at all.
  // The promises the SDK tracks also get three debug properties each and a place in a set the SDK
  // reads at exit to report promises a `pulumi up` left pending. Offline the run itself awaits
  // every registration (a pending one would hang it before any exit), so they are left untracked.
  const { stackTraceLimit, prepareStackTrace } = Error;
  const resource = pulumi.Resource as unknown as { callsites: () => unknown[] };
  const callsites = resource.callsites;
  const debuggable = DEBUGGABLE as { debuggablePromise: <T>(p: Promise<T>, ctx: unknown) => Promise<T> };
  const debuggablePromise = debuggable.debuggablePromise;
  if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    Error.stackTraceLimit = 0;
    (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
    resource.callsites = () => [];
    debuggable.debuggablePromise = (p) => p;
  }
  try {
    return await runWith(program, records);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
    Error.prepareStackTrace = prepareStackTrace;
    resource.callsites = callsites;
    debuggable.debuggablePromise = debuggablePromise;
  }
}

async function runWith(program: () => Promise<Record<string, unknown>>, records: Registration[]): Promise<RunResult> {
  let outputs: Record<string, unknown>;
  try {
    outputs = await program();
  } catch (e) {
    // Let registrations already under way finish here, so none arrives during a later run.
    await settle();
    throw e;
  }
  const resolved = await failOnUnhandled(async () => {
    const r = await resolveOutputs(outputs);
    await settle();
    return r;
  });
  return { registrations: records, outputs: resolved };
}

/**
 * A failure inside an `apply` surfaces in Pulumi's runtime as an unhandled rejection, not as an
 * error of the program's promise; under the mock runtime the run would then wait forever. Turn it
 * into a failure of the run.
 */
async function failOnUnhandled<T>(work: () => Promise<T>): Promise<T> {
  let onRejection: (e: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    onRejection = (e) => reject(e);
    process.on("unhandledRejection", onRejection);
  });
  try {
    return await Promise.race([work(), failed]);
  } finally {
    process.off("unhandledRejection", onRejection);
  }
}

/** All config of a stack file as Pulumi hands it to programs: `ns:key` → string (JSON for objects). */
function stackConfig(stack: string): Record<string, string> {
  const file = path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`);
  const parsed = readYamlMapping(file, `Pulumi.${stack}.yaml`);
  const entries = Object.entries((parsed.value as { config?: Record<string, unknown> } | undefined)?.config ?? {});
  return Object.fromEntries(entries.map(([k, v]) => [k, isSecure(v) ? "offline-standin-secret" : typeof v === "string" ? v : JSON.stringify(v)]));
}

/** Stand-ins for the secret config keys the tenants need; invalid input is left for the program to report. */
function addStandinSecrets(stack: string, config: Record<string, string>, loaded?: LoadedProject): void {
  let project = loaded;
  try {
    project ??= loadProject({ projectDir: PROJECT_DIR, stack, config: platformConfig(config) });
  } catch {
    return;
  }
  for (const need of requiredSecrets(project.tenants, project.stack.stage)) {
    config[`${CONFIG_NAMESPACE}:${need.key}`] ??= `offline-standin-${need.key}`;
  }
}

const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;
