import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { parseAllDocuments } from "yaml";
import { stackDefaults } from "../lib/stack-schema";
import { engineVersion, EngineError, moduleDir } from "./build";

/**
 * The official CRDs, read from the published Go modules (never copied into this repository):
 * Flux's from the Flux Operator release the stacks install (it carries every Flux release it can
 * deploy), FluxInstance's from the same module, SealedSecret's from the controller release built
 * in engines/sealed-secrets.
 */
export interface CrdFile {
  /** Where it came from, for messages: `<module>@<version>/<path>`. */
  source: string;
  /** The CustomResourceDefinition documents of the file. */
  crds: Record<string, unknown>[];
}

const FLUX_OPERATOR = "github.com/controlplaneio-fluxcd/flux-operator";
const SEALED_SECRETS = "github.com/bitnami-labs/sealed-secrets";

/** The newest Flux release the operator module carries that satisfies the stacks' `flux.version` range. */
export function fluxRelease(operatorDir: string, range = stackDefaults.fluxVersion): string {
  const releases = fs.readdirSync(path.join(operatorDir, "config", "data", "flux"));
  const best = semver.maxSatisfying(releases.filter((r) => semver.valid(r)), range);
  if (!best) throw new EngineError(`flux-operator carries no Flux release in range ${range} (has ${releases.join(", ")})`);
  return best;
}

function crdsOf(file: string, source: string): CrdFile {
  const crds = parseAllDocuments(fs.readFileSync(file, "utf8"))
    .map((d) => d.toJS() as Record<string, unknown> | null)
    .filter((d): d is Record<string, unknown> => d?.kind === "CustomResourceDefinition");
  return { source, crds };
}

export function officialCrds(): CrdFile[] {
  const operatorVersion = `v${stackDefaults.fluxOperatorChartVersion}`;
  const operator = moduleDir(FLUX_OPERATOR, operatorVersion);
  const flux = fluxRelease(operator);
  const fluxDir = path.join(operator, "config", "data", "flux", flux);
  const sealedVersion = engineVersion("sealed-secrets");
  const sealed = moduleDir(SEALED_SECRETS, sealedVersion);
  const operatorLabel = `${FLUX_OPERATOR}@${operatorVersion}`;
  const sealedLabel = `${SEALED_SECRETS}@${sealedVersion}`;
  // [module folder, its label, file inside it]
  const files: [string, string, string][] = [
    ...fs.readdirSync(fluxDir).filter((f) => f.endsWith(".yaml")).sort().map((f): [string, string, string] => [operator, operatorLabel, path.relative(operator, path.join(fluxDir, f))]),
    [operator, operatorLabel, path.join("config", "crd", "bases", "fluxcd.controlplane.io_fluxinstances.yaml")],
    [sealed, sealedLabel, path.join("helm", "sealed-secrets", "crds", "bitnami.com_sealedsecrets.yaml")],
  ];
  const out = files.map(([dir, label, file]) => crdsOf(path.join(dir, file), `${label}/${file}`)).filter((f) => f.crds.length > 0);
  if (out.reduce((n, f) => n + f.crds.length, 0) < 10) throw new EngineError(`expected the Flux, FluxInstance and SealedSecret CRDs in ${operatorLabel} and ${sealedLabel}; found too few`);
  return out;
}
