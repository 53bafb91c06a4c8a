/**
 * Writes `schemas/tenant.schema.json`, the JSON Schema editors use to complete and check tenant
 * files (`# yaml-language-server: $schema=../schemas/tenant.schema.json`). It is generated from
 * `tenantSchema`, the schema the program validates with, so the two cannot drift apart unnoticed:
 * `test/schema.test.ts` fails when the committed file is not what this script would write.
 *
 *   npx ts-node --transpile-only scripts/generate-schema.ts          # regenerate
 *   npx ts-node --transpile-only scripts/generate-schema.ts --check  # exit 1 if out of date
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { tenantSchema } from "../lib/tenant-schema";

export const SCHEMA_FILE = path.join(__dirname, "..", "schemas", "tenant.schema.json");
export const SCHEMA_ID = "https://schemas.eks-gitops.io/tenant.schema.json";

/**
 * The schema of what a person writes (`io: "input"`: fields with defaults are optional). Rules zod
 * cannot express in JSON Schema (quantities, semver ranges, cross-field checks) become `{}` rather
 * than failing; the program still enforces them.
 */
export function tenantJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(tenantSchema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    $id: SCHEMA_ID,
    title: "Tenant file",
    description: "One application team's tenant on the platform: tenants/<name>.yaml. Generated from lib/tenant-schema.ts by scripts/generate-schema.ts; do not edit.",
    ...rest,
  };
}

/** The file's exact text: two-space JSON and a trailing newline. */
export function tenantJsonSchemaText(): string {
  return `${JSON.stringify(tenantJsonSchema(), null, 2)}\n`;
}

function main(argv: string[]): number {
  const text = tenantJsonSchemaText();
  const relative = path.relative(process.cwd(), SCHEMA_FILE);
  if (argv.includes("--check")) {
    const current = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, "utf8") : "";
    if (current === text) return 0;
    process.stderr.write(`${relative} is out of date; regenerate it with: npm run schema\n`);
    return 1;
  }
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, text);
  process.stdout.write(`wrote ${relative}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
