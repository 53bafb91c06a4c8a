/**
 * Pulumi URNs: `urn:pulumi:<stack>::<project>::<parent types $-joined>$<type>::<name>`.
 * The type chain is what tells that a resource lives inside a tenant component even when the
 * event carries no parent.
 */
export interface ParsedUrn {
  urn: string;
  /** The resource's own type (last element of the chain). */
  type: string;
  /** Ancestor component types, outermost first, then the resource's own type. */
  typeChain: string[];
  name: string;
}

/** Parses a URN; `fallbackType` is used when the URN is malformed (then the name is the URN). */
export function parseUrn(urn: string, fallbackType = ""): ParsedUrn {
  const parts = urn.split("::");
  if (parts.length < 4) return { urn, type: fallbackType, typeChain: [fallbackType], name: urn };
  const typeChain = parts[2].split("$");
  // Names may themselves contain "::", so everything after the type is the name.
  return { urn, type: typeChain[typeChain.length - 1], typeChain, name: parts.slice(3).join("::") };
}
