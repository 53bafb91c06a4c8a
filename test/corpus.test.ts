import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { formatProblem, isValidationError, ValidationError } from "../lib/errors";
import { loadProject } from "../lib/project";
import { TENANT_LIST_LIMITS } from "../lib/tenant-schema";
import { loadTenants } from "../lib/tenants";
import { MAX_FILE_BYTES } from "../lib/yaml-file";
import { CHECK_CONTEXT, ROOT, tempDir, tempProject, writeFiles, writeKubeconfig } from "./helpers/fixtures";

/**
 * A corpus of invalid tenant and stack files, one folder per case:
 *
 *   test/corpus/tenants/<case>/*.yaml + expect.txt   loaded as a tenants/ folder
 *   test/corpus/stacks/<case>/Pulumi.dev.yaml + expect.txt   loaded as the dev stack of a copy of the project
 *                                 (+ tenants/*.yaml, when the rule ties a stack to its tenants)
 *
 * Each line of expect.txt is a fragment of one problem as the user sees it (file, field, value,
 * message). A case passes when every line matches a problem and every problem is matched by a line:
 * the expected problems are reported, and nothing else. Files that cannot be committed sensibly (too
 * big, not UTF-8) are written at test time from the table below.
 */
const CORPUS = path.join(__dirname, "corpus");

interface Case {
  id: string;
  expected: string[];
  /** The problems the program reports, formatted, and the report a user would see. */
  run: () => { lines: string[]; report: string };
}

function tenantCase(id: string, dir: string, expected: string[]): Case {
  return {
    id: `tenants/${id}`,
    expected,
    run: () => {
      const { problems } = loadTenants(dir, CHECK_CONTEXT, "tenants");
      return { lines: problems.map(formatProblem), report: problems.length ? new ValidationError(problems).message : "" };
    },
  };
}

function stackCase(id: string, stackFile: string | Buffer, expected: string[], tenants: Record<string, string | Buffer> = {}): Case {
  return {
    id: `stacks/${id}`,
    expected,
    run: () => {
      try {
        const files = Object.fromEntries(Object.entries(tenants).map(([f, c]) => [`tenants/${f}`, c]));
        loadProject({ projectDir: tempProject({ "Pulumi.dev.yaml": stackFile, ...files }), stack: "dev" });
        return { lines: [], report: "" };
      } catch (e) {
        // Anything but a ValidationError is a crash, and fails the test with its stack trace.
        if (!isValidationError(e)) throw e;
        return { lines: e.problems.map(formatProblem), report: e.message };
      }
    },
  };
}

/** A copy of a case folder as the tenants folder it stands for: everything but expect.txt, links kept as links. */
function withoutExpect(dir: string): string {
  const copy = tempDir("corpus");
  for (const entry of fs.readdirSync(dir).filter((e) => e !== "expect.txt")) {
    fs.cpSync(path.join(dir, entry), path.join(copy, entry), { recursive: true, verbatimSymlinks: true });
  }
  return copy;
}

const readExpect = (dir: string): string[] =>
  fs.readFileSync(path.join(dir, "expect.txt"), "utf8").split("\n").map((l) => l.trimEnd()).filter((l) => l.length > 0);

function committedCases(): Case[] {
  const tenants = fs.readdirSync(path.join(CORPUS, "tenants")).sort().map((id) => {
    const dir = path.join(CORPUS, "tenants", id);
    return tenantCase(id, withoutExpect(dir), readExpect(dir));
  });
  const stacks = fs.readdirSync(path.join(CORPUS, "stacks")).sort().map((id) => {
    const dir = path.join(CORPUS, "stacks", id);
    // A stack case may bring tenant files (rules between a stack and its tenants, e.g. quotas).
    const tenantsDir = path.join(dir, "tenants");
    const tenants = fs.existsSync(tenantsDir) ? Object.fromEntries(fs.readdirSync(tenantsDir).map((f) => [f, fs.readFileSync(path.join(tenantsDir, f))])) : {};
    return stackCase(id, fs.readFileSync(path.join(dir, "Pulumi.dev.yaml")), readExpect(dir), tenants);
  });
  return [...tenants, ...stacks];
}

const VALID_TENANT = "name: app-a\nowners: [team-a]\nsource:\n  repository: acme/app-a\nquota:\n  cpu: \"1\"\n  memory: 1Gi\n";
const shippedDev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"));

/** Cases whose files are generated here: a committed copy would be huge or unreadable in review. */
function generatedCases(): Case[] {
  const hugeTenant = `${VALID_TENANT}# ${"x".repeat(MAX_FILE_BYTES)}\n`;
  const latin1 = Buffer.concat([Buffer.from(VALID_TENANT), Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from(" team\n")]);
  const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(VALID_TENANT, "utf16le")]);
  const hugeStack = Buffer.concat([shippedDev, Buffer.from(`# ${"x".repeat(MAX_FILE_BYTES)}\n`)]);
  const latin1Stack = Buffer.concat([shippedDev, Buffer.from("# r"), Buffer.from([0xe9]), Buffer.from("gion\n")]);
  const tenantDir = (files: Record<string, string | Buffer>) => writeFiles(files, "corpus");
  return [
    tenantCase("huge-file (generated)", tenantDir({ "app-a.yaml": hugeTenant }), [`tenants/app-a.yaml: is ${Buffer.byteLength(hugeTenant)} bytes; files are limited to ${MAX_FILE_BYTES} bytes`]),
    tenantCase("latin-1-bytes (generated)", tenantDir({ "app-a.yaml": latin1 }), ["tenants/app-a.yaml: is not valid UTF-8 text; save it as UTF-8"]),
    tenantCase("utf-16 (generated)", tenantDir({ "app-a.yaml": utf16 }), ["tenants/app-a.yaml: is not valid UTF-8 text; save it as UTF-8"]),
    tenantCase("two bad files (generated)", tenantDir({ "app-a.yaml": latin1, "app-b.yaml": VALID_TENANT.replace(/app-a/g, "app-b").replace("1Gi", "4GB") }), [
      "tenants/app-a.yaml: is not valid UTF-8 text; save it as UTF-8",
      'tenants/app-b.yaml: quota.memory ("4GB"): not a Kubernetes quantity; did you mean "4Gi"?',
    ]),
    stackCase("huge-file (generated)", hugeStack, [`Pulumi.dev.yaml: is ${hugeStack.length} bytes; files are limited to ${MAX_FILE_BYTES} bytes`]),
    stackCase("latin-1-bytes (generated)", latin1Stack, ["Pulumi.dev.yaml: is not valid UTF-8 text; save it as UTF-8"]),
    tenantCase("ecr-20000-repositories (generated)", tenantDir({ "app-a.yaml": `${VALID_TENANT}ecr:\n${Array.from({ length: 20000 }, (_, i) => `  - r${i}\n`).join("")}` }), [
      `tenants/app-a.yaml: ecr: lists 20000 ECR repositories; a tenant may list at most ${TENANT_LIST_LIMITS.ecr}`,
    ]),
    ...fileKindCases(),
  ];
}

/** Folder entries git cannot hold (a pipe), or should not (links, a sparse 1 GiB file). */
function fileKindCases(): Case[] {
  const withValidTenant = (make: (dir: string) => void) => {
    const dir = tempDir("corpus");
    fs.writeFileSync(path.join(dir, "app-a.yaml"), VALID_TENANT);
    make(dir);
    return dir;
  };
  const link = "is a symbolic link; tenant files must be regular files in the tenants folder (the file a pull request shows must be the file applied); copy the file instead of linking it";
  const outside = path.join(tempDir("outside"), "app-c.yaml");
  fs.writeFileSync(outside, VALID_TENANT.replace(/app-a/g, "app-c"));
  return [
    tenantCase("symlink-inside-the-folder (generated)", withValidTenant((d) => fs.symlinkSync("app-a.yaml", path.join(d, "app-b.yaml"))), [`tenants/app-b.yaml: ${link}`]),
    tenantCase("symlink-outside-the-folder (generated)", withValidTenant((d) => fs.symlinkSync(outside, path.join(d, "app-c.yaml"))), [`tenants/app-c.yaml: ${link}`]),
    tenantCase("symlink-dangling (generated)", withValidTenant((d) => fs.symlinkSync("/nonexistent/app-d.yaml", path.join(d, "app-d.yaml"))), [`tenants/app-d.yaml: ${link}`]),
    tenantCase("named-pipe (generated)", withValidTenant((d) => {
      const made = spawnSync("mkfifo", [path.join(d, "app-b.yaml")]);
      if (made.status !== 0) throw new Error(`mkfifo: ${made.stderr}`);
    }), ["tenants/app-b.yaml: is not a regular file (a named pipe) and is never opened; remove it"]),
    tenantCase("sparse-1-GiB-file (generated)", withValidTenant((d) => {
      fs.writeFileSync(path.join(d, "app-b.yaml"), "");
      fs.truncateSync(path.join(d, "app-b.yaml"), 2 ** 30);
    }), [`tenants/app-b.yaml: is ${2 ** 30} bytes; files are limited to ${MAX_FILE_BYTES} bytes`]),
  ];
}

describe("corpus of invalid tenant and stack files", () => {
  const cases = [...committedCases(), ...generatedCases()];

  // An existing cluster named without a kubeconfig is judged against the run's default one
  // ($KUBECONFIG): here one holding kind-platform, so such a case fails on its own rule only,
  // whatever the machine running the tests has in ~/.kube.
  let savedKubeconfig: string | undefined;
  before(() => {
    savedKubeconfig = process.env.KUBECONFIG;
    process.env.KUBECONFIG = writeKubeconfig(["kind-platform"]);
  });
  after(() => {
    if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = savedKubeconfig;
  });

  it("holds at least 40 invalid cases, tenant and stack files both", () => {
    assert.ok(cases.length >= 40, `only ${cases.length} cases`);
    assert.ok(cases.filter((c) => c.id.startsWith("tenants/")).length >= 20);
    assert.ok(cases.filter((c) => c.id.startsWith("stacks/")).length >= 10);
  });

  it("every committed case has an expect.txt and at least one file to load", () => {
    for (const kind of ["tenants", "stacks"]) {
      for (const id of fs.readdirSync(path.join(CORPUS, kind))) {
        const files = fs.readdirSync(path.join(CORPUS, kind, id));
        assert.ok(files.includes("expect.txt"), `${kind}/${id} has no expect.txt`);
        assert.ok(files.some((f) => /\.ya?ml$/.test(f)), `${kind}/${id} has no YAML file`);
        assert.ok(readExpect(path.join(CORPUS, kind, id)).length > 0, `${kind}/${id}/expect.txt is empty`);
      }
    }
  });

  for (const c of cases) {
    it(`${c.id} is rejected with exactly its expected problems, and no stack trace`, () => {
      const { lines, report: text } = c.run();
      assert.ok(lines.length > 0, `${c.id} was accepted`);
      for (const fragment of c.expected) {
        assert.ok(lines.some((l) => l.includes(fragment)), `${c.id}: no problem contains\n  ${fragment}\nproblems were:\n  ${lines.join("\n  ")}`);
      }
      for (const line of lines) {
        assert.ok(c.expected.some((f) => line.includes(f)), `${c.id}: unexpected problem\n  ${line}\nexpected:\n  ${c.expected.join("\n  ")}`);
        assert.match(line, /^(tenants\/[^:]+|Pulumi\.dev\.yaml): /, `${c.id}: a problem must start with the file it is in: ${line}`);
        assert.doesNotMatch(line, /\bError:|\n/, `${c.id}: ${line}`);
      }
      assert.doesNotMatch(text, /^\s+at /m, `${c.id}: the report holds a stack trace:\n${text}`);
      assert.doesNotMatch(text, /^(\w*Error|Error):/m, `${c.id}: the report starts with an error class:\n${text}`);
    });
  }
});

/**
 * Inputs that look suspicious but are right, and must stay accepted (test/corpus/accepted/):
 * Go's regular expression syntax, Masterminds' range forms, editor files beside tenant files,
 * private-only endpoints, provider config keys.
 */
describe("corpus of accepted tenant folders and stack files", () => {
  const ACCEPTED = path.join(CORPUS, "accepted");
  for (const id of fs.readdirSync(path.join(ACCEPTED, "tenants")).sort()) {
    it(`tenants/${id} loads with no problems`, () => {
      const { problems } = loadTenants(withoutExpect(path.join(ACCEPTED, "tenants", id)), CHECK_CONTEXT, "tenants");
      assert.deepEqual(problems.map(formatProblem), []);
    });
  }
  for (const id of fs.readdirSync(path.join(ACCEPTED, "stacks")).sort()) {
    it(`stacks/${id} loads with no problems`, () => {
      const stackFile = fs.readFileSync(path.join(ACCEPTED, "stacks", id, "Pulumi.dev.yaml"));
      assert.doesNotThrow(() => loadProject({ projectDir: tempProject({ "Pulumi.dev.yaml": stackFile }), stack: "dev" }));
    });
  }
});
