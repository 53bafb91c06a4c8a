import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE } from "./project";

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
