import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, isSecretKey } from "./project";

/** The `platform:` entries of a Pulumi config map, keys without the namespace. */
export function platformEntries(all: Record<string, string>): [string, string][] {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.entries(all)
    .filter(([k]) => k.startsWith(prefix))
    .map(([k, v]) => [k.slice(prefix.length), v]);
}

/**
 * The stack's `platform:` config as plain values, the way the stack file wrote them. Pulumi hands
 * structured values to programs as JSON text; scalars stay strings unless they are JSON literals.
 */
export function platformConfig(all: Record<string, string> = pulumi.runtime.allConfig()): Record<string, unknown> {
  return Object.fromEntries(platformEntries(all).map(([k, v]) => [k, parseConfigValue(v)]));
}

export function parseConfigValue(v: string): unknown {
  if (!/^[\[{]|^(true|false|-?\d+(\.\d+)?)$/.test(v)) return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * The stack's secret `platform:` values (Slack webhooks, the commit-status token), each wrapped as a
 * Pulumi secret. Read once: `Config.getSecret` re-parses all config on every call, which adds up
 * over hundreds of tenants.
 */
export function platformSecrets(): Map<string, pulumi.Output<string>> {
  return new Map(platformEntries(pulumi.runtime.allConfig()).filter(([k]) => isSecretKey(k)).map(([k, v]) => [k, pulumi.secret(v)]));
}
