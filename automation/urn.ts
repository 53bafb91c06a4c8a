/**
 * Pulumi URNs: `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`.
 * Only the resource's own type and name are needed; ancestry comes from the events' `parent`.
 */
export interface ParsedUrn {
  urn: string;
  /** The resource's own type (the last element of the `$`-joined type chain). */
  type: string;
  name: string;
}

/** Parses a URN; `fallbackType` is used when the URN is malformed (then the name is the URN). */
export function parseUrn(urn: string, fallbackType = ""): ParsedUrn {
  const parts = urn.split("::");
  if (parts.length < 4) return { urn, type: fallbackType, name: urn };
  const typeChain = parts[2].split("$");
  // Names may themselves contain "::", so everything after the type is the name.
  return { urn, type: typeChain[typeChain.length - 1], name: parts.slice(3).join("::") };
}
