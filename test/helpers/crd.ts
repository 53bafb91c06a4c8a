import Ajv, { type ValidateFunction } from "ajv";
import { officialCrds } from "../../engines/crds";
import type { K8sObject } from "../../lib/objects/meta";

/**
 * Validation of objects against the official CRD schemas, read from the published modules the
 * real-engine harness installs (engines/crds.ts: Flux and FluxInstance from the Flux Operator
 * release the stacks pin, SealedSecret from the controller release built in engines/).
 *
 * The API server prunes fields a structural schema does not declare, so a misspelt field in a
 * builder would vanish without an error. Here every object schema that neither declares
 * `additionalProperties` nor sets `x-kubernetes-preserve-unknown-fields` gets
 * `additionalProperties: false`, turning "silently dropped" into a failure. `x-kubernetes-*`
 * keywords are removed after that; CEL rules (`x-kubernetes-validations`) are not evaluated here
 * (the live API server does that in `npm run test:cluster`).
 */
interface CrdVersion {
  name: string;
  served: boolean;
  schema?: { openAPIV3Schema?: Record<string, unknown> };
}

interface Crd {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: CrdVersion[] };
}

export interface CrdSchema {
  file: string;
  group: string;
  version: string;
  kind: string;
  served: boolean;
  schema: Record<string, unknown>;
}

let cached: CrdSchema[] | undefined;

/** Every version of every official CRD. */
export function loadCrdSchemas(): CrdSchema[] {
  cached ??= officialCrds().flatMap((f) =>
    (f.crds as unknown as Crd[]).flatMap((crd) =>
      crd.spec.versions.map((v) => ({
        file: f.source,
        group: crd.spec.group,
        version: v.name,
        kind: crd.spec.names.kind,
        served: v.served,
        schema: v.schema?.openAPIV3Schema ?? {},
      })),
    ),
  );
  return cached;
}

/** A copy of a structural schema with pruning made strict and Kubernetes extensions removed. */
export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (node === null || typeof node !== "object") return node;
  const n = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(n)) {
    if (k.startsWith("x-kubernetes-")) continue;
    // `properties`, `patternProperties` and `definitions` map names to schemas; everything else is a schema or a value.
    out[k] = k === "properties" ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, s]) => [p, strictSchema(s)])) : strictSchema(v);
  }
  if (n["x-kubernetes-int-or-string"] === true && !("anyOf" in n) && !("type" in n)) out.anyOf = [{ type: "integer" }, { type: "string" }];
  const preserves = n["x-kubernetes-preserve-unknown-fields"] === true;
  if (n.type === "object" && n.properties && !("additionalProperties" in n) && !preserves) out.additionalProperties = false;
  return out;
}

export type CrdValidator = (o: K8sObject) => string[];

/**
 * A validator for objects of the kinds the fixtures define. It returns the schema errors (empty
 * when valid), or one error saying that no served CRD version matches the object's apiVersion/kind.
 */
export function crdValidator(schemas = loadCrdSchemas()): CrdValidator {
  const ajv = new Ajv({ strict: false, allErrors: true });
  for (const f of ["int32", "int64", "byte", "date-time", "duration"]) ajv.addFormat(f, true);
  const compiled = new Map<string, ValidateFunction>();
  const key = (apiVersion: string, kind: string) => `${apiVersion}|${kind}`;
  return (o) => {
    const found = schemas.find((s) => key(`${s.group}/${s.version}`, s.kind) === key(o.apiVersion, o.kind));
    if (!found) return [`no official CRD defines ${o.kind} ${o.apiVersion}`];
    if (!found.served) return [`${o.kind} ${o.apiVersion} is not served by ${found.file}`];
    const k = key(o.apiVersion, o.kind);
    let validate = compiled.get(k);
    if (!validate) {
      validate = ajv.compile(strictSchema(found.schema) as object);
      compiled.set(k, validate);
    }
    const subject: unknown = o;
    if (validate(subject)) return [];
    return (validate.errors ?? []).map((e) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}: ${e.instancePath || "/"} ${e.message}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
  };
}

/** Whether Kubernetes itself (not a CRD) serves this apiVersion. */
export function isBuiltIn(apiVersion: string): boolean {
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
  return group === "" || group.endsWith(".k8s.io") || ["apps", "batch", "policy", "autoscaling"].includes(group);
}
