import * as pulumi from "@pulumi/pulumi";

/** One resource registration, as `pulumi up` would receive it, with secrets redacted. */
export interface Registration {
  type: string;
  name: string;
  urn: string;
  custom: boolean;
  parent?: string;
  provider?: string;
  /** Providers handed to a component by package (remote components such as ConfigGroup get these). */
  providers?: Record<string, string>;
  dependsOn: string[];
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  inputs: Record<string, unknown>;
}

export const REDACTED = "[secret]";

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getProvidersMap(): { toArray(): [string, string][] };
  getDependenciesList(): string[];
  hasProtect(): boolean;
  getProtect(): boolean;
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
}

/**
 * Installs Pulumi's mock runtime with the given mocks and records every registration request in
 * full (options included, which the mocks API alone does not show). Call before running the program.
 */
export async function recordRegistrations(mocks: pulumi.runtime.Mocks, project: string, stack: string, revealSecrets = false): Promise<Registration[]> {
  const records: Registration[] = [];
  await pulumi.runtime.setMocks(mocks, project, stack, false, "organization");
  const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource(req: RegisterRequest, cb: unknown): Promise<void> };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    // The inputs as plain values, converted from protobuf once: the record and the mock monitor
    // (which converts them again for `newResource`) share them. The record is a copy (secrets
    // redacted), so nothing the monitor does to them later reaches it.
    const struct = req.getObject();
    const inputs = struct?.toJavaScript() ?? {};
    if (struct) struct.toJavaScript = () => inputs;
    records.push(toRegistration(req, inputs, project, stack, revealSecrets));
    return original(req, (err: unknown, resp?: { toString(): string }) => {
      // The SDK puts every response into a debug message that no one reads under mocks; for a
      // protobuf message that means printing its whole state (for a fleet commit, megabytes).
      if (resp) resp.toString = () => "RegisterResourceResponse";
      (cb as (err: unknown, resp?: unknown) => void)(err, resp);
    });
  };
  return records;
}

function toRegistration(req: RegisterRequest, inputs: Record<string, unknown>, project: string, stack: string, revealSecrets: boolean): Registration {
  const parent = req.getParent();
  const type = req.getType();
  const name = req.getName();
  const ignore = req.getIgnorechangesList();
  return {
    type,
    name,
    urn: urnOf(parent, type, name, project, stack),
    custom: req.getCustom(),
    ...(parent ? { parent } : {}),
    ...(req.getProvider() ? { provider: req.getProvider() } : {}),
    ...(req.getProvidersMap().toArray().length ? { providers: Object.fromEntries(req.getProvidersMap().toArray()) } : {}),
    dependsOn: [...new Set(req.getDependenciesList())].sort(),
    ...(req.hasProtect() && req.getProtect() ? { protect: true } : {}),
    ...(req.hasRetainondelete() && req.getRetainondelete() ? { retainOnDelete: true } : {}),
    ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
    ...(ignore.length ? { ignoreChanges: ignore } : {}),
    inputs: (revealSecrets ? unwrapSecrets : redactSecrets)(inputs) as Record<string, unknown>,
  };
}

/** The URN Pulumi gives a resource: its type is qualified by its parent's type. */
function urnOf(parent: string, type: string, name: string, project: string, stack: string): string {
  const qualified = parent ? `${parent.split("::")[2].split("$").pop()}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

/**
 * Replaces every value Pulumi marks secret with "[secret]", at any depth. A secret mapping keeps
 * its keys (`stringData: { identity: "[secret]" }`): the keys say nothing secret, and the object
 * stays one its API accepts.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return redactAll(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, redactSecrets(v)]));
}

/** Every leaf of a secret value redacted, the keys of its mappings kept. */
function redactAll(value: unknown): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return redactAll(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, redactAll(v)]));
  }
  return REDACTED;
}

/** Replaces every secret with its plain value, for tests that hand the objects to a real API server. */
function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value === null || typeof value !== "object") return value;
  const o = value as Record<string, unknown>;
  if (o[pulumi.runtime.specialSigKey] === pulumi.runtime.specialSecretSig) return unwrapSecrets(o.value);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
}

/** Waits until every registration the program started has been answered. */
export async function settle(): Promise<void> {
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** Resolves stack outputs, replacing secret values with "[secret]". */
export async function resolveOutputs(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) {
    const out = value as unknown as { isSecret: Promise<boolean>; promise(): Promise<unknown> };
    if (await out.isSecret) return REDACTED;
    return resolveOutputs(await out.promise());
  }
  if (Array.isArray(value)) return Promise.all(value.map(resolveOutputs));
  if (value === null || typeof value !== "object" || pulumi.Resource.isInstance(value)) return value;
  const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveOutputs(v)] as const));
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined));
}
