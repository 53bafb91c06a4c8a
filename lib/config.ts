import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, isSecretKey } from "./project";

/**
 * The stack's `platform:` config as plain values, the way the stack file wrote them. Pulumi hands
 * structured values to programs as JSON text; scalars stay strings unless they are JSON literals.
 */
export function platformConfig(): Record<string, unknown> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, v]) => [k.slice(prefix.length), parseConfigValue(v)]),
  );
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
  const prefix = `${CONFIG_NAMESPACE}:`;
  return new Map(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([k]) => k.startsWith(prefix) && isSecretKey(k.slice(prefix.length)))
      .map(([k, v]) => [k.slice(prefix.length), pulumi.secret(v)]),
  );
}
