import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv2020, { type ValidateFunction } from "ajv/dist/2020";
import { parse } from "yaml";
import { SCHEMA_FILE, tenantJsonSchema, tenantJsonSchemaText } from "../scripts/generate-schema";

const ROOT = path.join(__dirname, "..");
const TENANTS = path.join(ROOT, "tenants");
const SCHEMA_COMMENT = "# yaml-language-server: $schema=../schemas/tenant.schema.json";
const exampleFiles = fs.readdirSync(TENANTS).filter((f) => /\.ya?ml$/.test(f)).sort();

let compiled: ValidateFunction | undefined;

/** The committed schema compiled by ajv in strict mode, as an editor's validator would read it. */
function compileCommitted(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
    // zod writes both `format: email` and an equivalent `pattern`; the pattern does the checking.
    ajv.addFormat("email", true);
    compiled = ajv.compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")));
  }
  return compiled;
}

describe("tenant JSON Schema (schemas/tenant.schema.json)", () => {
  it("the committed JSON Schema is the one the validation schema generates", () => {
    assert.ok(fs.existsSync(SCHEMA_FILE), "schemas/tenant.schema.json is missing; run: npm run schema");
    assert.equal(
      fs.readFileSync(SCHEMA_FILE, "utf8"),
      tenantJsonSchemaText(),
      "schemas/tenant.schema.json is out of date with lib/tenant-schema.ts; run: npm run schema",
    );
  });

  it("is draft 2020-12 with an $id and a title, pretty-printed with a trailing newline", () => {
    const schema = tenantJsonSchema();
    assert.equal(schema.$schema, "https://json-schema.org/draft/2020-12/schema");
    assert.match(String(schema.$id), /^https:\/\/.+\/tenant\.schema\.json$/);
    assert.equal(schema.title, "Tenant file");
    const text = tenantJsonSchemaText();
    assert.ok(text.endsWith("}\n") && !text.endsWith("\n\n"));
    assert.ok(text.includes('\n  "type": "object",\n'), "two-space indentation");
  });

  it("there are example tenant files to check", () => {
    assert.ok(exampleFiles.length >= 3, `expected the shipped examples in tenants/, found ${exampleFiles.join(", ")}`);
  });

  it("every example tenant file points editors at the schema", () => {
    for (const f of exampleFiles) {
      const firstLine = fs.readFileSync(path.join(TENANTS, f), "utf8").split(/\r?\n/)[0];
      assert.equal(firstLine, SCHEMA_COMMENT, `tenants/${f}: the first line must be ${SCHEMA_COMMENT}`);
    }
  });

  it("the schema comment resolves from tenants/ to the committed schema", () => {
    const target = path.resolve(TENANTS, SCHEMA_COMMENT.split("$schema=")[1]);
    assert.equal(target, SCHEMA_FILE);
  });

  it("every example tenant file is valid against the JSON Schema (ajv, draft 2020-12)", () => {
    const validate = compileCommitted();
    for (const f of exampleFiles) {
      const value: unknown = parse(fs.readFileSync(path.join(TENANTS, f), "utf8"));
      const ok = validate(value);
      assert.ok(ok, `tenants/${f}: ${JSON.stringify(validate.errors, null, 2)}`);
    }
  });

  describe("editors are warned about what the program rejects", () => {
    const valid = {
      name: "app-a",
      owners: ["team-a"],
      source: { repository: "acme/app-a" },
      quota: { cpu: "1", memory: "1Gi" },
    };
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ["a misspelt field (qouta)", { ...valid, qouta: valid.quota }, /must NOT have additional properties.*qouta/],
      ["a missing quota", { name: "app-a", owners: ["team-a"], source: valid.source }, /must have required property 'quota'/],
      ["a name that is not a DNS-1123 label", { ...valid, name: "App_A" }, /\/name must match pattern/],
      ["a repository that is not owner/name", { ...valid, source: { repository: "app-a" } }, /\/source\/repository must match pattern/],
      ["a Helm URL that is neither https nor oci", { ...valid, helmRepositories: [{ name: "x", url: "http://x.example" }] }, /\/helmRepositories\/0\/url must match pattern/],
      ["a number where a string belongs", { ...valid, name: 123 }, /\/name must be string/],
      ["an unknown Pod Security level", { ...valid, podSecurity: { enforce: "strict" } }, /\/podSecurity\/enforce must be equal to one of the allowed values/],
    ];
    for (const [what, value, expected] of cases) {
      it(`rejects ${what}`, () => {
        const validate = compileCommitted();
        assert.equal(validate(valid), true, JSON.stringify(validate.errors));
        assert.equal(validate(value), false);
        const messages = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`).join("\n");
        assert.match(messages, expected);
      });
    }
  });
});
