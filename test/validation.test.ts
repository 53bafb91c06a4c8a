import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { formatProblem, isValidationError, ValidationError } from "../lib/errors";
import { credentialsIn, redactCredentials } from "../lib/issues";
import { loadProject } from "../lib/project";
import { SYSTEM_NAMESPACES } from "../lib/objects/meta";
import { loadTenants } from "../lib/tenants";
import { MAX_FILE_BYTES, readYamlMapping } from "../lib/yaml-file";
import { CHECK_CONTEXT, loadTenantFiles, minimalTenant, projectProblems, ROOT, tempDir, tempProject, withEnv, writeKubeconfig } from "./helpers/fixtures";

/** A tenant file's text from its content, with any fields replaced. */
const yamlOf = (t: Record<string, unknown>) => stringify(t);
const tenantFile = (name: string, change: Record<string, unknown> = {}) => yamlOf({ ...minimalTenant(name), ...change });

/** The problems of one tenant file named after its tenant. */
function problemsOf(name: string, content: string | Buffer): string[] {
  return loadTenantFiles({ [`${name}.yaml`]: content }).lines;
}

/** Asserts the problems are exactly `expected`, in any order, showing both on failure. */
function assertProblems(actual: string[], expected: string[]): void {
  assert.deepEqual([...actual].sort(), [...expected].sort(), `problems were:\n${actual.join("\n")}`);
}

/** Asserts some problem starts with `prefix` (file and field path) and contains every fragment. */
function assertProblem(actual: string[], prefix: string, ...fragments: string[]): void {
  const found = actual.some((l) => l.startsWith(prefix) && fragments.every((f) => l.includes(f)));
  assert.ok(found, `expected a problem starting with ${JSON.stringify(prefix)} containing ${JSON.stringify(fragments)}; problems were:\n${actual.join("\n") || "(none)"}`);
}

const imageAutomation = (image: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  imageAutomation: { path: "./deploy", images: [{ name: "web", image: "ghcr.io/acme/web", policy: { semver: ">=1.0.0" }, ...image }] },
  ...extra,
});

describe("tenant file validation", () => {
  it("a minimal tenant file loads with no problems and gets its defaults", () => {
    const { tenants, lines } = loadTenantFiles({ "app-a.yaml": tenantFile("app-a") });
    assertProblems(lines, []);
    assert.equal(tenants.length, 1);
    const [t] = tenants;
    assert.equal(t.namespace, "app-a");
    assert.deepEqual(t.stages, ["dev", "prod"]);
    assert.deepEqual(t.source, { repository: "acme/app-a", branch: "main", path: "./", interval: "5m", webhook: true, sharedWith: [] });
    assert.deepEqual(t.podSecurity, { enforce: "baseline", warn: "restricted", audit: "restricted" });
  });

  it("tenant files are <tenant>.yaml; dotfiles, editor and linter files and Markdown beside them are ignored", () => {
    const { tenants, lines } = loadTenantFiles({
      "app-a.yaml": tenantFile("app-a"),
      "app-b.yaml": tenantFile("app-b"),
      "README.md": "# not a tenant\n",
      ".gitkeep": "",
      ".yamllint.yaml": "extends: default\n",
      ".app-a.yaml.swp": Buffer.from([0, 1, 2, 3]),
      "app-a.yaml~": "name: old\n",
      "#app-b.yaml#": "name: autosave\n",
      "app-b.yaml.orig": "<<<<<<< HEAD\n",
      ".git/HEAD": "ref: refs/heads/main\n",
    });
    assertProblems(lines, []);
    assert.deepEqual(tenants.map((t) => t.name), ["app-a", "app-b"]);
  });

  it("a tenant file spelt .yml or .YAML is refused with the name to rename it to, never skipped", () => {
    assertProblems(loadTenantFiles({ "app-a.yml": tenantFile("app-a"), "app-b.YAML": tenantFile("app-b"), "app-c.Yaml": tenantFile("app-c"), "app-d.json": "{}" }).lines, [
      "tenants/app-a.yml: tenant files are named <tenant>.yaml (lower case); rename it to app-a.yaml",
      "tenants/app-b.YAML: tenant files are named <tenant>.yaml (lower case); rename it to app-b.yaml",
      "tenants/app-c.Yaml: tenant files are named <tenant>.yaml (lower case); rename it to app-c.yaml",
      "tenants/app-d.json: tenant files are named <tenant>.yaml (lower case); rename it to app-d.yaml",
    ]);
  });

  it("a subfolder, or any other file, in the tenants folder is reported, never skipped", () => {
    assertProblems(loadTenantFiles({ "app-a.yaml": tenantFile("app-a"), "team-b/app-b.yaml": tenantFile("app-b"), "notes.txt": "::" }).lines, [
      "tenants/notes.txt: is not a tenant file (tenant files are named <tenant>.yaml; dotfiles, editor backups and Markdown are ignored); rename it to <tenant>.yaml if it is one, or move it out of tenants/",
      "tenants/team-b: is a folder, and tenant files sit directly in tenants/ (subfolders are not read); move its tenant files up into tenants/, or move the folder out",
    ]);
  });

  it("a symbolic link is refused, whether it points inside the folder, outside it or nowhere", () => {
    const dir = tempDir("tenants");
    fs.writeFileSync(path.join(dir, "app-a.yaml"), tenantFile("app-a"));
    const outside = path.join(tempDir("elsewhere"), "app-c.yaml");
    fs.writeFileSync(outside, tenantFile("app-c"));
    fs.symlinkSync("app-a.yaml", path.join(dir, "app-b.yaml"));
    fs.symlinkSync(outside, path.join(dir, "app-c.yaml"));
    fs.symlinkSync("/nonexistent/app-d.yaml", path.join(dir, "app-d.yaml"));
    fs.symlinkSync("app-a.yaml", path.join(dir, ".#app-a.yaml")); // an Emacs lock: a dotfile, ignored
    const lines = loadTenants(dir, CHECK_CONTEXT, "tenants").problems.map(formatProblem);
    const link = "is a symbolic link; tenant files must be regular files in the tenants folder (the file a pull request shows must be the file applied); copy the file instead of linking it";
    assertProblems(lines, ["app-b", "app-c", "app-d"].map((t) => `tenants/${t}.yaml: ${link}`));
  });

  it("a named pipe in the tenants folder is reported without being opened (the plan never blocks on it)", function () {
    const dir = tempDir("tenants");
    fs.writeFileSync(path.join(dir, "app-a.yaml"), tenantFile("app-a"));
    const made = spawnSync("mkfifo", [path.join(dir, "app-b.yaml")]);
    if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr}`);
    // Opening a pipe for reading blocks until a writer comes: were it opened, this test would hang.
    assertProblems(loadTenants(dir, CHECK_CONTEXT, "tenants").problems.map(formatProblem), [
      "tenants/app-b.yaml: is not a regular file (a named pipe) and is never opened; remove it",
    ]);
  });

  it("a tenant file over the size limit is refused from its size alone, before it is opened", () => {
    const dir = tempDir("tenants");
    const file = path.join(dir, "app-a.yaml");
    fs.writeFileSync(file, tenantFile("app-a"));
    fs.truncateSync(file, 64 * 1024 * 1024); // sparse: 64 MiB that would take memory to read
    fs.chmodSync(file, 0o000); // and unreadable: only its size may be looked at
    try {
      assertProblems(loadTenants(dir, CHECK_CONTEXT, "tenants").problems.map(formatProblem), [`tenants/app-a.yaml: is ${64 * 1024 * 1024} bytes; files are limited to ${MAX_FILE_BYTES} bytes`]);
    } finally {
      fs.chmodSync(file, 0o644);
    }
  });

  it("a stack or tenant file that is a pipe or a folder is reported by the reader without blocking", () => {
    const dir = tempDir("files");
    spawnSync("mkfifo", [path.join(dir, "pipe.yaml")]);
    fs.mkdirSync(path.join(dir, "folder.yaml"));
    for (const f of ["pipe.yaml", "folder.yaml"]) {
      assert.deepEqual(readYamlMapping(path.join(dir, f), f).problems.map(formatProblem), [`${f}: is not a regular file (a folder, named pipe, socket or device); point to a YAML file`]);
    }
  });

  it("a missing tenants folder is one problem naming the folder", () => {
    const result = loadTenants(path.join(tempDir(), "nope"), CHECK_CONTEXT, "tenants");
    assertProblems(result.problems.map(formatProblem), ["tenants: tenants folder not found; create it or pass --tenants DIR"]);
  });

  describe("fields", () => {
    it("an unknown field is named with the field it was probably meant to be (qouta → quota)", () => {
      const { quota, ...rest } = minimalTenant("app-a");
      const lines = problemsOf("app-a", yamlOf({ ...rest, qouta: quota }));
      assertProblem(lines, 'tenants/app-a.yaml: qouta: unknown field; did you mean "quota"?');
      assertProblem(lines, "tenants/app-a.yaml: quota: is required", "memory: 4Gi");
      assert.equal(lines.length, 2, lines.join("\n"));
    });

    it("an unknown nested field is named with its full path and the likely field (source.brnch → branch)", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", brnch: "main" } }));
      assertProblems(lines, ['tenants/app-a.yaml: source.brnch: unknown field; did you mean "branch"?']);
    });

    it("an unknown field with no near match lists the fields allowed there", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { network: { isolation: "none", egress: "deny" } }));
      assertProblems(lines, ["tenants/app-a.yaml: network.egress: unknown field; allowed fields here: isolation"]);
    });

    it("every missing required field is reported with what it expects", () => {
      const lines = problemsOf("app-a", "name: app-a\n");
      assertProblems(lines, [
        "tenants/app-a.yaml: owners: is required (Teams that own the tenant, e.g. [team-a])",
        "tenants/app-a.yaml: source: is required (The team's Git repository Flux deploys from, e.g. { repository: acme/app-a, path: ./overlays/{stage} })",
        'tenants/app-a.yaml: quota: is required (What the namespace may request in total, e.g. { cpu: "2", memory: 4Gi })',
      ]);
    });

    it("a missing nested required field is reported at its path (source.repository, quota.memory)", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { source: { branch: "main" }, quota: { cpu: "1" } }));
      assertProblem(lines, "tenants/app-a.yaml: source.repository: is required", "owner/name");
      assertProblem(lines, "tenants/app-a.yaml: quota.memory: is required (Memory requests the namespace may hold in total");
      assert.equal(lines.length, 2, lines.join("\n"));
    });

    it("a file without a name says so", () => {
      const { name: _name, ...rest } = minimalTenant("app-a");
      assertProblem(problemsOf("app-a", yamlOf(rest)), "tenants/app-a.yaml: name: is required", "DNS-1123 label");
    });

    it("owners must name at least one team", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { owners: [] })), ["tenants/app-a.yaml: owners: needs at least one owning team, e.g. [team-a]"]);
    });
  });

  describe("names and namespaces", () => {
    it("a name that is not a DNS-1123 label is rejected with the rule and an example", () => {
      assertProblem(problemsOf("App_A", tenantFile("App_A")), 'tenants/App_A.yaml: name ("App_A"): is not a DNS-1123 label', "lower-case letters, digits and '-'", '"app-a"');
    });

    it("a name longer than 63 characters is rejected", () => {
      const long = "a".repeat(64);
      assertProblems(problemsOf(long, tenantFile(long)), [`tenants/${long}.yaml: name ("${long}"): is longer than 63 characters; Kubernetes names are at most 63`]);
    });

    it("a name of exactly 63 characters is accepted", () => {
      const name = `a${"-b".repeat(31)}`;
      assert.equal(name.length, 63);
      assertProblems(problemsOf(name, tenantFile(name)), []);
    });

    it("a namespace and owners are DNS-1123 labels too", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { namespace: "Team.A", owners: ["team_a"] }));
      assertProblem(lines, 'tenants/app-a.yaml: namespace ("Team.A"): is not a DNS-1123 label');
      assertProblem(lines, 'tenants/app-a.yaml: owners[0] ("team_a"): is not a DNS-1123 label');
    });

    for (const reserved of [...SYSTEM_NAMESPACES, "sealed-secrets", "ingress-nginx"]) {
      it(`the platform namespace ${reserved} cannot be a tenant namespace, by name or by namespace`, () => {
        assertProblem(problemsOf(reserved, tenantFile(reserved)), `tenants/${reserved}.yaml: name ("${reserved}"): is reserved for the platform`, "choose the team's own namespace");
        assertProblem(problemsOf("app-a", tenantFile("app-a", { namespace: reserved })), `tenants/app-a.yaml: namespace ("${reserved}"): is reserved for the platform`, "choose the team's own namespace");
      });
    }

    it("the reserved list covers kube-system, kube-public, kube-node-lease, default, flux-system and sealed-secrets", () => {
      for (const ns of ["kube-system", "kube-public", "kube-node-lease", "default", "flux-system", "sealed-secrets"]) {
        assert.ok(CHECK_CONTEXT.reservedNamespaces.includes(ns), ns);
      }
    });

    it("a duplicate tenant name is rejected naming both files", () => {
      const { lines } = loadTenantFiles({ "app-a.yaml": tenantFile("app-a"), "app-b.yaml": tenantFile("app-a", { namespace: "app-a-2" }) });
      assertProblems(lines, [
        'tenants/app-a.yaml: name ("app-a"): is also used by tenants/app-b.yaml; every tenant needs its own name',
        'tenants/app-b.yaml: name ("app-a"): is also used by tenants/app-a.yaml; every tenant needs its own name',
        'tenants/app-b.yaml: name ("app-a"): does not match the file name; rename the file to app-a.yaml or set name: app-b',
      ]);
    });

    it("a namespace equal to another tenant's name is refused naming both files, even when that tenant lives elsewhere", () => {
      const { lines } = loadTenantFiles({ "app-a.yaml": tenantFile("app-a", { namespace: "app-b" }), "app-b.yaml": tenantFile("app-b", { namespace: "team-b-apps" }) });
      assertProblems(lines, [
        'tenants/app-a.yaml: namespace ("app-b"): is the name of another tenant (tenants/app-b.yaml), whose namespace is team-b-apps; a namespace named after another tenant is mistaken for it; choose a namespace of this tenant\'s own',
        'tenants/app-b.yaml: name ("app-b"): is also the namespace of tenants/app-a.yaml; a namespace named after another tenant is mistaken for it; one of the two must change',
      ]);
    });

    it("a duplicate namespace is rejected naming both files", () => {
      const { lines } = loadTenantFiles({ "app-a.yaml": tenantFile("app-a", { namespace: "shared" }), "app-b.yaml": tenantFile("app-b", { namespace: "shared" }) });
      assertProblems(lines, [
        'tenants/app-a.yaml: namespace ("shared"): is also used by tenants/app-b.yaml; every tenant needs its own namespace',
        'tenants/app-b.yaml: namespace ("shared"): is also used by tenants/app-a.yaml; every tenant needs its own namespace',
      ]);
    });

    it("a namespace that is another tenant's name (its default namespace) is a duplicate namespace", () => {
      const { lines } = loadTenantFiles({ "app-a.yaml": tenantFile("app-a"), "app-b.yaml": tenantFile("app-b", { namespace: "app-a" }) });
      assertProblem(lines, 'tenants/app-b.yaml: namespace ("app-a"): is also used by tenants/app-a.yaml');
    });

    it("a file whose name does not match the tenant name is rejected with both ways to fix it", () => {
      assertProblems(problemsOf("app-b", tenantFile("app-a")), ['tenants/app-b.yaml: name ("app-a"): does not match the file name; rename the file to app-a.yaml or set name: app-b']);
    });
  });

  describe("quotas and limits", () => {
    it('a quantity written as 4GB is rejected with "did you mean 4Gi"', () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { quota: { cpu: "1", memory: "4GB" } })), ['tenants/app-a.yaml: quota.memory ("4GB"): not a Kubernetes quantity; did you mean "4Gi"?']);
    });

    it("other unit mistakes get the binary suffix too (512mb → 512Mi, 2 gib → 2Gi)", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { limits: { defaultCpu: "1", defaultMemory: "512mb" }, quota: { cpu: "1", memory: "2 gib" } }));
      assertProblem(lines, 'tenants/app-a.yaml: limits.defaultMemory ("512mb"): not a Kubernetes quantity; did you mean "512Mi"?');
      assertProblem(lines, 'tenants/app-a.yaml: quota.memory ("2 gib"): not a Kubernetes quantity; did you mean "2Gi"?');
    });

    it("a value that is no quantity at all is explained with examples", () => {
      assertProblem(problemsOf("app-a", tenantFile("app-a", { quota: { cpu: "lots", memory: "1Gi" } })), 'tenants/app-a.yaml: quota.cpu ("lots"): not a Kubernetes quantity', '"500m"', '"4Gi"');
    });

    it("zero and negative quotas are rejected as not greater than zero", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { quota: { cpu: "0", memory: "-1Gi", pods: 0 } }));
      assertProblems(lines, [
        'tenants/app-a.yaml: quota.cpu ("0"): must be greater than zero',
        'tenants/app-a.yaml: quota.memory ("-1Gi"): must be greater than zero',
        "tenants/app-a.yaml: quota.pods (0): must be greater than 0",
      ]);
    });

    it("a zero written as a YAML number, or as 0m, is rejected too", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { quota: { cpu: 0, memory: "0Mi" }, limits: { defaultCpu: "0m", defaultMemory: "1Mi" } }));
      assertProblem(lines, "tenants/app-a.yaml: quota.cpu (0): must be greater than zero");
      assertProblem(lines, 'tenants/app-a.yaml: quota.memory ("0Mi"): must be greater than zero');
      assertProblem(lines, 'tenants/app-a.yaml: limits.defaultCpu ("0m"): must be greater than zero');
    });

    it("quotas in a stage override follow the same rules", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { overrides: { prod: { quota: { cpu: "2", memory: "4GB" } } } }));
      assertProblems(lines, ['tenants/app-a.yaml: overrides.prod.quota.memory ("4GB"): not a Kubernetes quantity; did you mean "4Gi"?']);
    });

    it("YAML numbers are accepted as quantities (cpu: 2, cpu: 0.5)", () => {
      const { tenants, lines } = loadTenantFiles({ "app-a.yaml": tenantFile("app-a", { quota: { cpu: 2, memory: "1Gi" }, limits: { defaultCpu: 0.5, defaultMemory: "128Mi" } }) });
      assertProblems(lines, []);
      assert.equal(tenants[0].quota.cpu, "2");
      assert.equal(tenants[0].limits?.defaultCpu, "0.5");
    });

    it("a quantity that is a mapping or a boolean says which types are allowed", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { quota: { cpu: true, memory: { value: "1Gi" } } }));
      assertProblems(lines, [
        "tenants/app-a.yaml: quota.cpu (true): must be a string or a number, not a boolean (true)",
        "tenants/app-a.yaml: quota.memory: must be a string or a number, not a mapping",
      ]);
    });
  });

  describe("source", () => {
    it("a repository that is not owner/name is rejected with an example", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "eks-gitops-app-a" } })), [
        'tenants/app-a.yaml: source.repository ("eks-gitops-app-a"): not a GitHub repository; write it as "owner/name", e.g. "acme/eks-gitops-app-a"',
      ]);
    });

    it("a repository URL instead of owner/name is rejected", () => {
      assertProblem(problemsOf("app-a", tenantFile("app-a", { source: { repository: "https://github.com/acme/app-a" } })), 'tenants/app-a.yaml: source.repository ("https://github.com/acme/app-a"): not a GitHub repository');
    });

    it('a duration Flux cannot parse ("5 minutes") is rejected wherever an interval is', () => {
      const lines = problemsOf("app-a", tenantFile("app-a", {
        source: { repository: "acme/app-a", interval: "5 minutes" },
        helmRepositories: [{ name: "charts", url: "https://charts.example.com", interval: "1 hour" }],
        ...imageAutomation({}, {}),
      }));
      assertProblem(lines, 'tenants/app-a.yaml: source.interval ("5 minutes"): not a Flux duration; use a number and a unit such as "30s", "5m" or "1h"');
      assertProblem(lines, 'tenants/app-a.yaml: helmRepositories[0].interval ("1 hour"): not a Flux duration');
    });

    it("a branch Git would refuse is rejected", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", branch: "feature..x" } })), ['tenants/app-a.yaml: source.branch ("feature..x"): is not a branch name git allows (letters, digits, ".", "_", "-" and "/"; no "..", "//", leading "/" or ".", trailing "/" or ".", or ".lock" components); e.g. "release/1.2"']);
      for (const bad of [".hidden", "x.lock", "a/.b", "ends/", "ends.", "has space", "a~b", "a^b", "a:b", "a@{b"]) {
        assert.equal(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", branch: bad } })).length, 1, bad);
      }
    });

    it("a full ref is refused with the short name as the fix", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", branch: "refs/heads/main" } })), ['tenants/app-a.yaml: source.branch ("refs/heads/main"): is a full ref; write the branch\'s short name, e.g. "main" instead of "refs/heads/main"']);
    });

    it("a repository written with .git, or named . or .., is refused", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a.git" } })), ['tenants/app-a.yaml: source.repository ("acme/app-a.git"): ends in .git; write the repository as GitHub names it, without .git']);
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/.." } })), ['tenants/app-a.yaml: source.repository ("acme/.."): is not a repository name GitHub allows ("." and ".." are reserved)']);
    });

    it("a path placeholder other than {stage} is refused instead of rendering literally", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", path: "./overlays/{stgae}" } })), ['tenants/app-a.yaml: source.path ("./overlays/{stgae}"): has a placeholder other than {stage}, which would be used literally; {stage} is the only one']);
    });

    it("reconcile intervals below 10s or above 24h are refused", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", interval: "0s" } })), ['tenants/app-a.yaml: source.interval ("0s"): is shorter than 10s; Flux would poll the Git host and the API server without pause; use e.g. "1m" (and webhooks for speed)']);
      assert.equal(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", interval: "500ms" } })).length, 1);
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", interval: "48h" } })), ['tenants/app-a.yaml: source.interval ("48h"): is longer than 24h; drift would go uncorrected for days; use at most "24h"']);
    });

    it("a path that leaves the repository is rejected", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: "acme/app-a", path: "./../other" } })), ['tenants/app-a.yaml: source.path ("./../other"): must stay inside the repository (no "..")']);
    });

    it("webhook must be true or false, not a YAML-1.1 yes", () => {
      assertProblems(problemsOf("app-a", "name: app-a\nowners: [team-a]\nsource:\n  repository: acme/app-a\n  webhook: yes\nquota: {cpu: '1', memory: 1Gi}\n"), [
        'tenants/app-a.yaml: source.webhook ("yes"): must be true or false, not a string ("yes")',
      ]);
    });
  });

  describe("stages and overrides", () => {
    it("an unknown stage is rejected listing the known ones", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { stages: ["dev", "qa"] })), [
        'tenants/app-a.yaml: stages[1] ("qa"): is not a known stage; known stages are dev, prod (from Pulumi.<stack>.yaml)',
      ]);
    });

    it("an override for a stage the tenant does not land on is rejected with both fixes", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { stages: ["dev"], overrides: { prod: { quota: { cpu: "2", memory: "2Gi" } } } })), [
        'tenants/app-a.yaml: overrides.prod: overrides a stage the tenant does not land on; add "prod" to stages or remove this override',
      ]);
    });

    it("an override for a stage no stack declares says the stage is unknown, listing the known ones", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { overrides: { qa: { source: { path: "./qa" } } } })), [
        "tenants/app-a.yaml: overrides.qa: is not a known stage; known stages are dev, prod (from Pulumi.<stack>.yaml)",
      ]);
    });

    it("stages must be a list", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { stages: "dev" })), ['tenants/app-a.yaml: stages ("dev"): must be a list, not a string ("dev")']);
    });
  });

  describe("Helm repositories", () => {
    it("a Helm URL that is neither https nor oci is rejected", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { helmRepositories: [{ name: "charts", url: "http://charts.example.com" }] })), [
        'tenants/app-a.yaml: helmRepositories[0].url ("http://charts.example.com"): a Helm repository URL must start with https:// or oci://',
      ]);
    });

    it("two Helm repositories with one name are rejected at the second", () => {
      const repos = [{ name: "charts", url: "https://a.example.com" }, { name: "charts", url: "oci://b.example.com/charts" }];
      assertProblems(problemsOf("app-a", tenantFile("app-a", { helmRepositories: repos })), ['tenants/app-a.yaml: helmRepositories[1].name ("charts"): is used twice; names must be unique']);
    });
  });

  describe("image automation", () => {
    it("a semver policy that is not a range is rejected with examples", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ policy: { semver: "latest" } }))), [
        'tenants/app-a.yaml: imageAutomation.images[0].policy.semver ("latest"): is not a semver range; write e.g. "^1.2.x", ">=1.0.0 <2.0.0" or "^0.3.x-0" (Flux reads it with Masterminds/semver: "latest" is not a constraint)',
      ]);
    });

    it("semver ranges are judged as Masterminds/semver (Flux's library) judges them, not as node-semver does", () => {
      const verdict = (semver: string) => problemsOf("app-a", tenantFile("app-a", imageAutomation({ policy: { semver } }))).length === 0;
      // Accepted by Masterminds (a comma is AND; => is >=; x parts); node-semver refuses the first three.
      for (const ok of [">=1.0, <2.0", "=>1.2", "~>1.2", "1.x", ">=1.0 <2.0", "^0.3.x-0", "1.2.3 - 2.0", "v1.2.3", "^1.2 || ~2.0"]) assert.ok(verdict(ok), ok);
      // Refused by Masterminds: an empty alternative, a leading-zero prerelease, a dangling comma, a missing space around the dash.
      for (const bad of ["||", "1.2.3-01", "1.2.3,", "1.2.3 -2.0", ">1.0 - 2.0", "latest", "1.2.3.4", "99999999999999999999"]) assert.ok(!verdict(bad), bad);
    });

    it("a policy of no known form lists the forms", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ policy: { newest: true } }))), [
        'tenants/app-a.yaml: imageAutomation.images[0].policy: must be one of { semver: "<range>" }, { numerical: { order: asc|desc } } or { alphabetical: { order: asc|desc } }',
      ]);
    });

    it("a mistyped value inside a policy is reported at its field, not as 'no known form'", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ policy: { numerical: { order: "up" } } }))), [
        'tenants/app-a.yaml: imageAutomation.images[0].policy.numerical.order ("up"): must be one of "asc", "desc"',
      ]);
    });

    it("a filterTags pattern that does not compile is rejected with the compiler's reason", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern: "^main-(?P<ts>[0-9+", extract: "$ts" } })));
      assertProblems(lines, ['tenants/app-a.yaml: imageAutomation.images[0].filterTags.pattern ("^main-(?P<ts>[0-9+"): is not a valid regular expression for Go\'s RE2, the engine Flux uses (missing closing ]: `[0-9+`)']);
    });

    it("lookarounds, backreferences and possessive quantifiers, which JavaScript accepts, are refused as Go's RE2 refuses them", () => {
      const cases: [string, string][] = [
        ["^(?<=v)[0-9]+", "a lookbehind ((?<=...) or (?<!...))"],
        ["^v(?!0)[0-9]+", "a lookahead ((?=...) or (?!...))"],
        ["^(a)-\\1$", "a backreference (\\1 ... \\9)"],
        ["^[0-9]++$", "a possessive quantifier (*+, ++, ?+)"],
      ];
      for (const [pattern, what] of cases) {
        assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern } }))), [
          `tenants/app-a.yaml: imageAutomation.images[0].filterTags.pattern (${JSON.stringify(pattern)}): is not a valid regular expression for Go's RE2, the engine Flux uses: it has ${what}, which Go's RE2 does not support; match the tags with plain groups and character classes instead`,
        ]);
      }
    });

    it("Go's own syntax is accepted in filterTags: (?<name>), [[:alpha:]], \\z, \\pL, and extract by number", () => {
      for (const [pattern, extract] of [["^(?<ts>[0-9]+)\\z", "$ts"], ["^[[:alpha:]]+-(\\pL+)-([0-9]+)$", "$2"], ["^main-(?P<ts>[0-9]+)$", "${ts}"]]) {
        assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern, extract } }))), []);
      }
    });

    it("extract referring to a group number the pattern does not have is refused", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern: "^main-([0-9]+)$", extract: "$2" } }))), [
        'tenants/app-a.yaml: imageAutomation.images[0].filterTags.extract ("$2"): refers to group "2" that the pattern does not define (groups: none)',
      ]);
    });

    it("Go's (?P<name>) groups are accepted in filterTags", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern: "^main-[a-f0-9]+-(?P<ts>[0-9]+)", extract: "$ts" } }))), []);
    });

    it("extract naming a group the pattern lacks is rejected listing the groups it has", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern: "^main-(?P<ts>[0-9]+)", extract: "$build" } }))), [
        'tenants/app-a.yaml: imageAutomation.images[0].filterTags.extract ("$build"): refers to group "build" that the pattern does not define (groups: ts)',
      ]);
    });

    it("extract that names no group at all is rejected with the $name form", () => {
      assertProblem(problemsOf("app-a", tenantFile("app-a", imageAutomation({ filterTags: { pattern: "^main-(?P<ts>[0-9]+)", extract: "ts" } }))), 'tenants/app-a.yaml: imageAutomation.images[0].filterTags.extract ("ts"): names no group', '"$name"');
    });

    it("an image with neither image nor ecr is rejected", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ image: undefined }))), [
        "tenants/app-a.yaml: imageAutomation.images[0]: needs exactly one of image (a registry path) or ecr (one of this tenant's ECR repositories)",
      ]);
    });

    it("an image with both image and ecr is rejected", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ ecr: "web" }, { ecr: ["web"] }))), [
        "tenants/app-a.yaml: imageAutomation.images[0]: needs exactly one of image (a registry path) or ecr (one of this tenant's ECR repositories)",
      ]);
    });

    it("ecr must name one of the tenant's declared ECR repositories", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", imageAutomation({ image: undefined, ecr: "orders" }, { ecr: ["web", { name: "carts" }] }))), [
        'tenants/app-a.yaml: imageAutomation.images[0].ecr ("orders"): is not one of this tenant\'s ecr repositories (web, carts); add it under ecr:',
      ]);
      assertProblem(problemsOf("app-a", tenantFile("app-a", imageAutomation({ image: undefined, ecr: "orders" }))), 'tenants/app-a.yaml: imageAutomation.images[0].ecr ("orders"): is not one of this tenant\'s ecr repositories (none declared)');
    });

    it("an image reference with a tag is rejected (the policy picks the tag)", () => {
      assertProblem(problemsOf("app-a", tenantFile("app-a", imageAutomation({ image: "ghcr.io/acme/web:1.0" }))), 'tenants/app-a.yaml: imageAutomation.images[0].image ("ghcr.io/acme/web:1.0"): not an image repository; write it without a tag');
    });

    it("an author e-mail that is not one is rejected in plain words", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { imageAutomation: { path: "./deploy", author: { name: "bot", email: "bot-at-acme" }, images: [{ name: "web", image: "ghcr.io/acme/web", policy: { semver: ">=1.0.0" } }] } }));
      assertProblems(lines, ['tenants/app-a.yaml: imageAutomation.author.email ("bot-at-acme"): is not a valid e-mail address']);
    });

    it("an ECR repository keeping no images is rejected as not greater than zero", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { ecr: [{ name: "web", keepLast: 0 }] })), ["tenants/app-a.yaml: ecr[0].keepLast (0): must be greater than 0"]);
    });
  });

  describe("enumerations", () => {
    it("Pod Security levels, isolation and severity list their allowed values", () => {
      const lines = problemsOf("app-a", tenantFile("app-a", { podSecurity: { enforce: "strict" }, network: { isolation: "full" }, notifications: { severity: "warning" } }));
      assertProblems(lines, [
        'tenants/app-a.yaml: podSecurity.enforce ("strict"): must be one of "privileged", "baseline", "restricted"',
        'tenants/app-a.yaml: network.isolation ("full"): must be one of "namespace", "none"',
        'tenants/app-a.yaml: notifications.severity ("warning"): must be one of "info", "error"',
      ]);
    });
  });

  describe("numbers where strings belong", () => {
    it("name: 123 is rejected as a number, not a string", () => {
      assertProblems(problemsOf("123", "name: 123\nowners: [team-a]\nsource: {repository: acme/app}\nquota: {cpu: '1', memory: 1Gi}\n"), ["tenants/123.yaml: name (123): must be a string, not a number (123); quote it, e.g. \"123\" (unquoted, YAML reads it as a number, and 1.30 as 1.3)"]);
    });

    it("source: { repository: 5 } is rejected at source.repository", () => {
      assertProblems(problemsOf("app-a", tenantFile("app-a", { source: { repository: 5 } })), ["tenants/app-a.yaml: source.repository (5): must be a string, not a number (5); quote it, e.g. \"5\" (unquoted, YAML reads it as a number, and 1.30 as 1.3)"]);
    });

    it("a list where a mapping belongs, and null where a list belongs, are named", () => {
      const lines = problemsOf("app-a", "name: app-a\nowners:\nsource: [acme/app-a]\nquota: {cpu: '1', memory: 1Gi}\n");
      assertProblems(lines, ["tenants/app-a.yaml: owners: must be a list, not null", "tenants/app-a.yaml: source: must be a mapping, not a list"]);
    });
  });

  describe("YAML that cannot be a tenant file", () => {
    it("an empty file is rejected as empty", () => {
      assertProblems(problemsOf("app-a", ""), ["tenants/app-a.yaml: is empty; a tenant or stack file holds one YAML mapping"]);
      assertProblems(problemsOf("app-a", "# only a comment\n"), ["tenants/app-a.yaml: is empty; a tenant or stack file holds one YAML mapping"]);
    });

    it("unparsable YAML is reported with its line and column", () => {
      assertProblems(problemsOf("app-a", "name: app-a\nowners: [team-a\n"), ["tenants/app-a.yaml: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
    });

    it("a YAML list is rejected: a tenant file is one mapping", () => {
      assertProblems(problemsOf("app-a", "- name: app-a\n- name: app-b\n"), ['tenants/app-a.yaml: holds a list; it must be a mapping of fields such as "name:"']);
    });

    it("a bare scalar is rejected: a tenant file is one mapping", () => {
      assertProblems(problemsOf("app-a", "app-a\n"), ['tenants/app-a.yaml: holds a string; it must be a mapping of fields such as "name:"']);
    });

    it("several YAML documents in one file are rejected", () => {
      assertProblems(problemsOf("app-a", `${tenantFile("app-a")}---\n${tenantFile("app-a")}`), ["tenants/app-a.yaml: holds 2 YAML documents; keep exactly one (remove the extra '---')"]);
    });

    it("a duplicate key is rejected naming the key and its line", () => {
      const text = `${tenantFile("app-a")}name: app-b\n`;
      const line = text.trimEnd().split("\n").length;
      assertProblems(problemsOf("app-a", text), [`tenants/app-a.yaml: line ${line}, column 1: Map keys must be unique; "name" appears twice, but a field may appear only once`]);
    });

    it("tabs used for indentation are rejected with the fix", () => {
      const lines = problemsOf("app-a", "name: app-a\nowners: [team-a]\nsource:\n\trepository: acme/app-a\nquota: {cpu: '1', memory: 1Gi}\n");
      assertProblem(lines, "tenants/app-a.yaml: line 4, column 1: Tabs are not allowed as indentation; indent with spaces");
    });

    it("anchors and aliases are rejected so a reviewer sees every value", () => {
      const text = "name: app-a\nowners: [team-a]\nsource: {repository: acme/app-a}\nquota: &q {cpu: '1', memory: 1Gi}\noverrides:\n  prod: {quota: *q}\n";
      assertProblems(problemsOf("app-a", text), ["tenants/app-a.yaml: uses YAML anchors or aliases (&name / *name); write the values out so a reviewer sees them"]);
    });

    it("a merge key (<<: *base) is rejected as an alias", () => {
      const text = "name: app-a\nowners: [team-a]\nsource: {repository: acme/app-a}\nquota: {cpu: '1', memory: 1Gi}\nlimits: &l {defaultCpu: '1', defaultMemory: 1Gi}\noverrides:\n  prod:\n    limits:\n      <<: *l\n";
      assertProblem(problemsOf("app-a", text), "tenants/app-a.yaml: uses YAML anchors or aliases");
    });

    it("an ampersand or asterisk inside a value is not mistaken for an anchor", () => {
      const text = tenantFile("app-a", { notifications: { slack: { channel: "r&d-*alerts*" } } });
      assertProblems(problemsOf("app-a", text), []);
    });

    it("bytes that are not UTF-8 are rejected before parsing", () => {
      const bytes = Buffer.concat([Buffer.from(tenantFile("app-a")), Buffer.from("# caf"), Buffer.from([0xe9, 0x0a])]);
      assertProblems(problemsOf("app-a", bytes), ["tenants/app-a.yaml: is not valid UTF-8 text; save it as UTF-8"]);
    });

    it("a file over the size limit is rejected without being parsed", () => {
      const text = tenantFile("app-a");
      const padded = text + `# ${"x".repeat(MAX_FILE_BYTES - text.length)}\n`;
      assert.ok(Buffer.byteLength(padded) > MAX_FILE_BYTES);
      assertProblems(problemsOf("app-a", padded), [`tenants/app-a.yaml: is ${Buffer.byteLength(padded)} bytes; files are limited to ${MAX_FILE_BYTES} bytes`]);
    });

    it("a file just under the size limit is read", () => {
      const text = tenantFile("app-a");
      const padded = text + `# ${"x".repeat(MAX_FILE_BYTES - text.length - 4)}\n`;
      assert.ok(Buffer.byteLength(padded) <= MAX_FILE_BYTES);
      assertProblems(problemsOf("app-a", padded), []);
    });
  });

  it("every problem in every file is reported at once", () => {
    const { lines } = loadTenantFiles({
      "app-a.yaml": tenantFile("app-a", { quota: { cpu: "1", memory: "4GB" }, source: { repository: "nope" } }),
      "app-b.yaml": "name: app-b\nname: again\n",
      "app-c.yaml": tenantFile("app-c", { stages: ["qa"] }),
      "app-d.yaml": tenantFile("app-d"),
    });
    assertProblems(lines, [
      'tenants/app-a.yaml: quota.memory ("4GB"): not a Kubernetes quantity; did you mean "4Gi"?',
      'tenants/app-a.yaml: source.repository ("nope"): not a GitHub repository; write it as "owner/name", e.g. "acme/eks-gitops-app-a"',
      'tenants/app-b.yaml: line 2, column 1: Map keys must be unique; "name" appears twice, but a field may appear only once',
      'tenants/app-c.yaml: stages[0] ("qa"): is not a known stage; known stages are dev, prod (from Pulumi.<stack>.yaml)',
    ]);
  });
});

describe("stack configuration validation (Pulumi.<stack>.yaml)", () => {
  const shippedDev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");

  /** The problems of a project whose Pulumi.dev.yaml is the shipped one with `edit` applied. */
  function devProblems(edit: (text: string) => string): string[] {
    const edited = edit(shippedDev);
    assert.notEqual(edited, shippedDev, "the edit did not change the stack file");
    return projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": edited }), stack: "dev" });
  }

  it("the shipped Pulumi.dev.yaml and Pulumi.prod.yaml load with the shipped tenants and no problems", () => {
    for (const stack of ["dev", "prod"]) {
      const project = loadProject({ projectDir: ROOT, stack });
      assert.equal(project.stack.stage, stack);
      assert.deepEqual(project.knownStages, ["dev", "prod"]);
      assert.deepEqual(project.tenants.map((t) => t.file), fs.readdirSync(path.join(ROOT, "tenants")).filter((f) => f.endsWith(".yaml")).sort().map((f) => `tenants/${f}`));
    }
  });

  it("a copy of the shipped project loads without problems (the harness below is sound)", () => {
    assert.deepEqual(projectProblems({ projectDir: tempProject(), stack: "dev" }), []);
  });

  it("a misspelt key (platform:clusterz) is named with the key it was meant to be", () => {
    assertProblems(devProblems((s) => s.replace("platform:clusters:", "platform:clusterz:")), [
      'Pulumi.dev.yaml: platform:clusterz: unknown field; did you mean "clusters"?',
      "Pulumi.dev.yaml: platform:clusters: is required (The clusters of this stage, each an EKS cluster or an existing one)",
    ]);
  });

  it("a missing platform:fleet is required with an example", () => {
    assertProblems(devProblems((s) => s.replace(/  platform:fleet:\n(    .*\n)+/, "")), [
      "Pulumi.dev.yaml: platform:fleet: is required (The fleet repository Flux syncs every cluster from, e.g. { repository: acme/eks-gitops-fleet })",
    ]);
  });

  it("a region that is not an AWS region is rejected with an example", () => {
    assertProblems(devProblems((s) => s.replace("      region: eu-west-1", "      region: europe")), ['Pulumi.dev.yaml: platform:clusters[0].region ("europe"): not an AWS region, e.g. "eu-west-1"']);
  });

  it("a node group with minSize above maxSize is rejected", () => {
    assertProblems(devProblems((s) => s.replace("minSize: 1", "minSize: 5")), ["Pulumi.dev.yaml: platform:clusters[0].nodeGroups[0]: needs minSize <= desiredSize <= maxSize"]);
  });

  it("a node group with maxSize 0 is rejected as not greater than 0", () => {
    assertProblem(devProblems((s) => s.replace("maxSize: 3", "maxSize: 0")), "Pulumi.dev.yaml: platform:clusters[0].nodeGroups[0].maxSize (0): must be greater than 0");
  });

  it("two clusters with one name are rejected at the second", () => {
    const problems = withEnv({ KUBECONFIG: writeKubeconfig(["kind-platform"]) }, () => devProblems((s) => s.replace("  platform:clusters:\n", "  platform:clusters:\n    - name: dev-euw1\n      existing: {context: kind-platform}\n")));
    assertProblems(problems, [
      'Pulumi.dev.yaml: platform:clusters[1].name ("dev-euw1"): is used by another cluster of this stack; cluster names must be unique',
    ]);
  });

  it("a mistyped field of an EKS cluster is reported at the field, not as 'neither kind of cluster'", () => {
    assertProblems(devProblems((s) => s.replace('kubernetesVersion: "1.35"', "kubernetesVersion: 1.35")), ["Pulumi.dev.yaml: platform:clusters[0].kubernetesVersion (1.35): must be a string, not a number (1.35); quote it, e.g. \"1.35\" (unquoted, YAML reads it as a number, and 1.30 as 1.3)"]);
  });

  it("a cluster that is neither kind says what each kind needs", () => {
    assertProblems(devProblems((s) => s.replace(/  platform:clusters:\n[\s\S]*$/, "  platform:clusters:\n    - name: dev-euw1\n")), [
      "Pulumi.dev.yaml: platform:clusters[0]: is neither an EKS cluster (name, region, adminRoleArns, nodeGroups) nor an existing one (name, existing.context)",
    ]);
  });

  it("a receiver host written as a URL is rejected with the bare-host form", () => {
    assertProblems(devProblems((s) => s.replace("host: flux-webhook", "host: https://flux-webhook")), [
      'Pulumi.dev.yaml: platform:clusters[0].receiver.host ("https://flux-webhook.dev-euw1.dev.acme.example"): not a host name; write the bare host, without scheme or path, e.g. "flux-webhook.example.com"',
    ]);
  });

  it("an admin role that is not an IAM role ARN is rejected with the ARN form", () => {
    assertProblem(devProblems((s) => s.replace("arn:aws:iam::111122223333:role/platform-admin", "platform-admin")), 'Pulumi.dev.yaml: platform:clusters[0].adminRoleArns[0] ("platform-admin"): not an IAM role ARN', "arn:aws:iam::<12-digit account>:role/<name>");
  });

  it("a stage that is not a DNS-1123 label and an unknown delivery mode are rejected", () => {
    const lines = devProblems((s) => s.replace("platform:stage: dev", "platform:stage: Dev").replace("platform:delivery: gitops", "platform:delivery: push"));
    assertProblem(lines, 'Pulumi.dev.yaml: platform:stage ("Dev"): is not a DNS-1123 label');
    assertProblem(lines, 'Pulumi.dev.yaml: platform:delivery ("push"): must be one of "gitops", "direct"');
  });

  it("per-tenant secret keys for Slack webhooks and commit-status tokens are allowed beside the schema; one token for all tenants is not", () => {
    const stack = `${shippedDev}  platform:slackWebhook-app-a:\n    secure: AAABAC==\n  platform:githubStatusToken-sock-shop:\n    secure: AAABAD==\n`;
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": stack, "tenants/app-a.yaml": tenantFile("app-a"), "tenants/sock-shop.yaml": tenantFile("sock-shop") }), stack: "dev" });
    assertProblems(lines, []);
    const shared = devProblems((s) => `${s}  platform:githubStatusToken:\n    secure: AAABAD==\n`);
    assert.equal(shared.length, 1, shared.join("\n"));
    assert.match(shared[0], /^Pulumi\.dev\.yaml: platform:githubStatusToken: one commit-status token for every tenant .*pulumi config set --secret githubStatusToken-<tenant>/);
  });

  it("a missing stack file is one problem listing the known stacks, without follow-on 'required' noise", () => {
    const dir = tempProject();
    fs.rmSync(path.join(dir, "Pulumi.dev.yaml"));
    assertProblems(projectProblems({ projectDir: dir, stack: "dev" }), ["Pulumi.dev.yaml: not found; known stacks: prod"]);
  });

  it("a stack file that is not YAML is reported at its line, without follow-on 'required' noise", () => {
    const lines = devProblems((s) => s.replace("  platform:stage: dev", "  platform:stage: dev\nplatform:oops: [\n"));
    assert.ok(lines.length > 0 && lines.every((l) => /^Pulumi\.dev\.yaml: line \d+, column \d+: /.test(l)), lines.join("\n"));
  });

  it("config passed by Pulumi is validated the same way and named after the stack file", () => {
    const dir = tempProject();
    const lines = projectProblems({ projectDir: dir, stack: "dev", config: { stage: "dev", clusters: [], fleet: { repository: "fleet" } } });
    assertProblems(lines, [
      "Pulumi.dev.yaml: platform:clusters: must have at least 1 item(s)",
      'Pulumi.dev.yaml: platform:fleet.repository ("fleet"): not a GitHub repository; write it as "owner/name", e.g. "acme/eks-gitops-app-a"',
    ]);
  });

  it("stack and tenant problems are reported together in one ValidationError", () => {
    const dir = tempProject({
      "Pulumi.dev.yaml": shippedDev.replace("      region: eu-west-1", "      region: europe"),
      "tenants/app-a.yaml": tenantFile("app-a", { quota: { cpu: "1", memory: "4GB" } }),
    });
    let error: unknown;
    try {
      loadProject({ projectDir: dir, stack: "dev" });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof ValidationError && isValidationError(error));
    assertProblems(error.problems.map(formatProblem), [
      'Pulumi.dev.yaml: platform:clusters[0].region ("europe"): not an AWS region, e.g. "eu-west-1"',
      'tenants/app-a.yaml: quota.memory ("4GB"): not a Kubernetes quantity; did you mean "4Gi"?',
    ]);
    assert.match(error.message, /^2 problems in the platform configuration; nothing was changed:\n {2}- /);
    assert.doesNotMatch(error.message, /^\s+at /m);
  });

  it("a stack's own platform namespaces are reserved for its tenants", () => {
    const dir = tempProject({
      "Pulumi.dev.yaml": shippedDev.replace('    chartVersion: "2.18.1"', '    chartVersion: "2.18.1"\n    namespace: sealing'),
      "tenants/sealing.yaml": tenantFile("sealing"),
    });
    assertProblem(projectProblems({ projectDir: dir, stack: "dev" }), 'tenants/sealing.yaml: name ("sealing"): is reserved for the platform', "sealing");
  });

  it("a tenant may use any stage some stack declares", () => {
    const dir = tempProject({ "tenants/app-a.yaml": tenantFile("app-a", { stages: ["prod"] }) });
    assertProblems(projectProblems({ projectDir: dir, stack: "dev" }), []);
    const lines = projectProblems({ projectDir: tempProject({ "tenants/app-a.yaml": tenantFile("app-a", { stages: ["staging"] }) }), stack: "dev" });
    assertProblems(lines, ['tenants/app-a.yaml: stages[0] ("staging"): is not a known stage; known stages are dev, prod (from Pulumi.<stack>.yaml)']);
  });
});

describe("formatProblem", () => {
  it("renders file: field (value): message, and file: message for whole-file problems", () => {
    assert.equal(formatProblem({ file: "tenants/a.yaml", field: "quota.memory", value: "4GB", message: "bad" }), 'tenants/a.yaml: quota.memory ("4GB"): bad');
    assert.equal(formatProblem({ file: "tenants/a.yaml", field: "quota.pods", value: 0, message: "bad" }), "tenants/a.yaml: quota.pods (0): bad");
    assert.equal(formatProblem({ file: "tenants/a.yaml", field: "source", value: { a: 1 }, message: "bad" }), "tenants/a.yaml: source: bad");
    assert.equal(formatProblem({ file: "tenants/a.yaml", field: "", message: "is empty" }), "tenants/a.yaml: is empty");
  });
});

describe("tenant repositories (what a tenant file may name as its source)", () => {
  const tenant = (name: string, repository: string, extra = "") =>
    `name: ${name}\nowners: [team-${name}]\nsource:\n  repository: ${repository}\n${extra}quota: { cpu: "1", memory: 1Gi }\n`;
  const problems = (files: Record<string, string>, stackEdit: (s: string) => string = (s) => s) => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const dir = tempProject({ "Pulumi.dev.yaml": stackEdit(dev), ...Object.fromEntries(Object.entries(files).map(([f, c]) => [`tenants/${f}`, c])) });
    return projectProblems({ projectDir: dir, stack: "dev" });
  };

  it("a tenant naming the fleet repository is refused: Flux applies it as cluster-admin", () => {
    assert.deepEqual(problems({ "evil.yaml": tenant("evil", "acme/eks-gitops-fleet") }), [
      'tenants/evil.yaml: source.repository ("acme/eks-gitops-fleet"): is the fleet repository, which Flux applies as cluster-admin; a tenant may not use it',
    ]);
    assert.equal(problems({ "evil.yaml": tenant("evil", "ACME/EKS-GitOps-Fleet") }).length, 1, "GitHub names are case-insensitive");
  });

  it("a tenant naming an excluded repository (the platform's own) is refused", () => {
    assert.deepEqual(problems({ "evil.yaml": tenant("evil", "acme/eks-gitops-platform") }), [
      'tenants/evil.yaml: source.repository ("acme/eks-gitops-platform"): is excluded by Pulumi.dev.yaml (platform:tenantRepositories.exclude); a tenant may not use it',
    ]);
  });

  it("a repository outside the owners and repositories the stack allows is refused, naming the config key", () => {
    assert.deepEqual(problems({ "app.yaml": tenant("app", "someone-else/app") }), [
      'tenants/app.yaml: source.repository ("someone-else/app"): is not a repository tenants may use on stage dev (owners acme); ask the platform team to add it to platform:tenantRepositories in Pulumi.dev.yaml',
    ]);
    const allowed = (s: string) => s.replace("    owners: [acme]\n", "    owners: [acme]\n    repositories: [someone-else/app]\n");
    assert.deepEqual(problems({ "app.yaml": tenant("app", "someone-else/app") }, allowed), []);
  });

  it("two tenants on one repository are refused naming both files, unless each lists the other in source.sharedWith", () => {
    assert.deepEqual(problems({ "a.yaml": tenant("a", "acme/shared"), "b.yaml": tenant("b", "acme/shared") }), [
      'tenants/a.yaml: source.repository ("acme/shared"): is also used by tenants/b.yaml; a repository belongs to one tenant unless every tenant using it lists the others in source.sharedWith',
      'tenants/b.yaml: source.repository ("acme/shared"): is also used by tenants/a.yaml; a repository belongs to one tenant unless every tenant using it lists the others in source.sharedWith',
    ]);
    // One-sided consent is not consent: b claims a's repository.
    assert.equal(problems({ "a.yaml": tenant("a", "acme/shared"), "b.yaml": tenant("b", "acme/shared", "  sharedWith: [a]\n") }).length, 1);
    const both = { "a.yaml": tenant("a", "acme/shared", "  sharedWith: [b]\n"), "b.yaml": tenant("b", "acme/shared", "  sharedWith: [a]\n") };
    assert.deepEqual(problems(both), []);
  });

  it("a tenant on one stage cannot claim the repository another tenant deploys on another stage", () => {
    const found = problems({ "prod-team.yaml": tenant("prod-team", "acme/payments").replace("name: prod-team\n", "name: prod-team\nstages: [prod]\n"), "dev-team.yaml": tenant("dev-team", "acme/payments").replace("name: dev-team\n", "name: dev-team\nstages: [dev]\n") });
    assert.deepEqual(found.map((p) => p.split(":")[0]).sort(), ["tenants/dev-team.yaml", "tenants/prod-team.yaml"], found.join("\n"));
    assert.match(found.join("\n"), /tenants\/dev-team\.yaml: source\.repository \("acme\/payments"\): is also used by tenants\/prod-team\.yaml/);
  });

  it("a shared repository stays read-only: image automation (a write key) on it is refused", () => {
    const automation = "imageAutomation:\n  path: ./deploy\n  images:\n    - { name: web, image: ghcr.io/acme/web, policy: { semver: \">=1.0.0\" } }\n";
    const found = problems({ "a.yaml": tenant("a", "acme/shared", "  sharedWith: [b]\n") + automation, "b.yaml": tenant("b", "acme/shared", "  sharedWith: [a]\n") });
    assert.equal(found.length, 2, found.join("\n"));
    for (const p of found) assert.match(p, /source\.sharedWith \("acme\/shared"\): a shared repository is read-only, but a tenant sharing it uses imageAutomation/);
  });
});

describe("the deployer role (who runs pulumi up)", () => {
  it("a deployer role also listed in adminRoleArns is refused: EKS made it admin already, a second entry fails with 409", () => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const deployer = /platform:deployerRoleArn: (\S+)/.exec(dev)![1];
    const edited = dev.replace("        - arn:aws:iam::111122223333:role/platform-admin\n", `        - arn:aws:iam::111122223333:role/platform-admin\n        - ${deployer}\n`);
    assert.notEqual(edited, dev);
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": edited }), stack: "dev" }), [
      `Pulumi.dev.yaml: platform:clusters[0].adminRoleArns[1] ("${deployer}"): is the deployerRoleArn, which EKS already makes admin of the clusters it creates (a second access entry fails with 409); remove it from adminRoleArns`,
    ]);
  });
});

describe("secrets where they do not belong are refused, and never repeated", () => {
  const SECRET = "s3cr3t-do-not-echo";
  /** The shipped dev stack with config lines appended. */
  const devWith = (lines: string) => `${fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")}${lines}`;

  it("a Helm repository URL with credentials is refused without repeating them", () => {
    const lines = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), helmRepositories: [{ name: "private", url: `https://bot:${SECRET}@charts.acme.example/` }] }) }).lines;
    assert.deepEqual(lines, ["tenants/app-a.yaml: helmRepositories[0].url: holds credentials (user:password@ in the URL), and every team can read this file; remove them from the URL (a private chart repository's credentials go in a secret, set by the platform team with pulumi config set --secret, never in a tenant file), and rotate them: they are in Git history"]);
  });

  it("a Slack webhook URL where the channel name goes is refused without repeating it, with the config command", () => {
    const lines = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), notifications: { slack: { channel: `https://hooks.slack.com/services/T0/B0/${SECRET}` } } }) }).lines;
    assert.equal(lines.length, 1);
    assert.match(lines[0], /^tenants\/app-a\.yaml: notifications\.slack\.channel: is a URL, .*pulumi config set --secret slackWebhook-<tenant> <url>/);
    assert.doesNotMatch(lines[0], new RegExp(SECRET));
  });

  it("plain-text secrets in a stack file are refused without repeating them, with the --secret command", () => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": `${dev}  github:token: ghp_${SECRET}\n  platform:slackWebhook-app-a: https://hooks.slack.com/services/${SECRET}\n`, "tenants/app-a.yaml": tenantFile("app-a") }), stack: "dev" });
    assert.deepEqual(lines, [
      "Pulumi.dev.yaml: github:token: is a secret written in plain text; remove it from Pulumi.dev.yaml and run: pulumi config set --secret github:token <value> (then rotate it: it is in Git history)",
      "Pulumi.dev.yaml: platform:slackWebhook-app-a: is a secret written in plain text; remove it from Pulumi.dev.yaml and run: pulumi config set --secret platform:slackWebhook-app-a <value> (then rotate it: it is in Git history)",
    ]);
  });

  it("no message repeats a credential, whatever rule made it", () => {
    for (const [text, redacted] of [
      ["https://admin:hunter2@charts.acme.example/x", "https://[credentials removed]@charts.acme.example/x"],
      ["https://x-access-token:ghp_abcdefghijklmnop@github.com/acme/app.git", "https://[credentials removed]@github.com/acme/app.git"],
      ["https://charts.acme.example/?access_token=glpat-abcdefghij&x=1", "https://charts.acme.example/?access_token=[credentials removed]&x=1"],
      ["https://h.example/?password=pw", "https://h.example/?password=[credentials removed]"],
      ["xoxb-123-456-AbCdEf", "[credentials removed]"],
      ["ghp_abcdefghijklmnop", "[credentials removed]"],
    ]) {
      assert.equal(redactCredentials(text), redacted);
      assert.ok(credentialsIn(text), text);
      const line = formatProblem({ file: "f.yaml", field: "x", value: text, message: `is wrong: ${text}` });
      assert.ok(!line.includes(text.replace(/^.*?(hunter2|ghp_\w+|glpat-\w+|pw$|xoxb-\S+)$/, "$1")), line);
    }
    for (const plain of ["ssh://git@github.com", "ssh://git@github.example.com:2222", "fluxcdbot@users.noreply.github.com", "https://charts.acme.example/stable?version=1", "oci://ghcr.io/acme/charts"]) {
      assert.equal(credentialsIn(plain), undefined, plain);
      assert.equal(redactCredentials(plain), plain);
    }
  });

  it("a repository URL with a token, a token in a Helm URL's query and a Slack token as channel are refused without repeating them", () => {
    const lines = loadTenantFiles({ "app-a.yaml": stringify({
      ...minimalTenant("app-a"),
      source: { repository: `https://x-access-token:ghp_${SECRET}@github.com/acme/app-a.git` },
      helmRepositories: [{ name: "private", url: `https://charts.acme.example/stable?access_token=${SECRET}` }],
      notifications: { slack: { channel: `xoxb-1234-5678-${SECRET}` } },
    }) }).lines;
    assert.equal(lines.length, 3, lines.join("\n"));
    assertProblem(lines, "tenants/app-a.yaml: source.repository: holds credentials (user:password@ in the URL)", "owner/name", "rotate them");
    assertProblem(lines, "tenants/app-a.yaml: helmRepositories[0].url: holds credentials (a token in the URL's query)", "pulumi config set --secret");
    assertProblem(lines, "tenants/app-a.yaml: notifications.slack.channel: is a Slack token, not a channel", "pulumi config set --secret slackWebhook-<tenant>");
    for (const l of lines) assert.doesNotMatch(l, new RegExp(SECRET));
  });

  it("credentials in platform:gitHost URLs are refused; ssh://git@ is the only user allowed", () => {
    const stack = (gitHost: string) => devWith(`  platform:gitHost:\n${gitHost}`);
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": stack(`    apiUrl: https://bot:${SECRET}@api.github.com/\n`) }), stack: "dev" });
    assert.deepEqual(lines, ["Pulumi.dev.yaml: platform:gitHost.apiUrl: holds credentials (user:password@ in the URL), and every team can read this file; write the bare API URL; the token comes from the secret config key github:token: pulumi config set --secret github:token <token>, and rotate them: they are in Git history"]);
    const ssh = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": stack(`    sshUrl: ssh://deploy:${SECRET}@git.acme.example\n    knownHosts: "git.acme.example ssh-ed25519 AAAA"\n`) }), stack: "dev" });
    assert.equal(ssh.length, 1, ssh.join("\n"));
    assert.match(ssh[0], /^Pulumi\.dev\.yaml: platform:gitHost\.sshUrl: holds credentials .*the only user an SSH URL may name is git@/);
    assert.doesNotMatch(ssh[0], new RegExp(SECRET));
  });

  it("AWS keys in plain text, and a secret mapping without secure:, are refused like github:token", () => {
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": devWith(`  aws:accessKey: AKIA${SECRET}\n  aws:secretKey: ${SECRET}\n  aws:token: ${SECRET}\n  platform:slackWebhook-app-a:\n    value: ${SECRET}\n  platform:githubStatusToken-app-a:\n    secure: AAABAKx1cHVsdW1p\n`), "tenants/app-a.yaml": tenantFile("app-a") }), stack: "dev" });
    assertProblems(lines, [
      ...["aws:accessKey", "aws:secretKey", "aws:token"].map((k) => `Pulumi.dev.yaml: ${k}: is a secret written in plain text; remove it from Pulumi.dev.yaml and run: pulumi config set --secret ${k} <value> (then rotate it: it is in Git history)`),
      "Pulumi.dev.yaml: platform:slackWebhook-app-a: is a secret written as a mapping without secure:, which Pulumi does not encrypt; remove it from Pulumi.dev.yaml and run: pulumi config set --secret platform:slackWebhook-app-a <value> (then rotate it: it is in Git history)",
    ]);
  });

  it("a secret config key of a tenant that does not exist is refused naming the key", () => {
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": devWith("  platform:slackWebhook-appa:\n    secure: AAABAKx1cHVsdW1p\n"), "tenants/app-a.yaml": tenantFile("app-a") }), stack: "dev" });
    assert.deepEqual(lines, ["Pulumi.dev.yaml: platform:slackWebhook-appa: is the secret of tenant \"appa\", but no tenant file declares that name (probably a typo: did you mean slackWebhook-app-a?); set it under the tenant's name with pulumi config set --secret slackWebhook-<tenant> <value>, and remove this one with pulumi config rm platform:slackWebhook-appa"]);
  });
});

describe("reserved names", () => {
  it("a namespace with the kube- prefix is refused", () => {
    assert.deepEqual(loadTenantFiles({ "kube-team.yaml": stringify(minimalTenant("kube-team")) }).lines, [
      'tenants/kube-team.yaml: name ("kube-team"): starts with kube-, a prefix Kubernetes reserves for its own namespaces; choose the team\'s own name',
    ]);
    assert.deepEqual(loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), namespace: "kube-apps" }) }).lines, [
      'tenants/app-a.yaml: namespace ("kube-apps"): starts with kube-, a prefix Kubernetes reserves for its own namespaces; choose the team\'s own name',
    ]);
  });
});

describe("Pod Security privileged", () => {
  it("a tenant enforcing privileged is refused unless the stack lists it in platform:privilegedTenants", () => {
    const file = stringify({ ...minimalTenant("node-agent"), podSecurity: { enforce: "privileged" } });
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "tenants/node-agent.yaml": file }), stack: "dev" }), [
      'tenants/node-agent.yaml: podSecurity.enforce ("privileged"): lets pods take over their node; only tenants listed in platform:privilegedTenants of Pulumi.dev.yaml may use it; use "baseline"',
    ]);
    const allowed = dev.replace("  platform:stage: dev\n", "  platform:stage: dev\n  platform:privilegedTenants: [node-agent]\n");
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": allowed, "tenants/node-agent.yaml": file }), stack: "dev" }), []);
  });
});

describe("quantities that cannot work together", () => {
  it("LimitRange defaults larger than the quota, or requests larger than limits, are refused (per stage too)", () => {
    const file = stringify({ ...minimalTenant("app-a"), quota: { cpu: "1", memory: "1Gi" }, limits: { defaultCpu: "2", defaultMemory: "512Mi", defaultRequestMemory: "1Gi" }, overrides: { prod: { quota: { cpu: "4", memory: "256Mi" } } } });
    assert.deepEqual(loadTenantFiles({ "app-a.yaml": file }).lines, [
      'tenants/app-a.yaml: limits.defaultCpu ("2"): is more than the whole quota (quota.cpu 1); lower it or raise the quota',
      'tenants/app-a.yaml: limits.defaultRequestMemory ("1Gi"): is more than defaultMemory (512Mi); a request cannot exceed its limit',
      'tenants/app-a.yaml: overrides.prod.limits.defaultMemory ("512Mi"): is more than the whole quota (overrides.prod.quota.memory 256Mi); lower it or raise the quota',
      'tenants/app-a.yaml: overrides.prod.limits.defaultRequestMemory ("1Gi"): is more than defaultMemory (512Mi); a request cannot exceed its limit',
    ]);
  });
});

describe("the Git host's known_hosts", () => {
  const withKnownHosts = (knownHosts: string) => {
    const dev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
    const edited = dev.replace("  platform:fleet:", `  platform:gitHost:\n    sshUrl: ssh://git@github.acme.example\n    knownHosts: ${JSON.stringify(knownHosts)}\n  platform:fleet:`);
    return projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": edited }), stack: "dev" });
  };

  it("known_hosts lines are accepted one per line, and anything else is refused", () => {
    assert.deepEqual(withKnownHosts("github.acme.example ssh-ed25519 AAAAC3Nz\n[github.acme.example]:2222 ssh-rsa AAAAB3Nz\n"), []);
    assert.deepEqual(withKnownHosts("github.acme.example AAAAC3Nz"), [
      'Pulumi.dev.yaml: platform:gitHost.knownHosts ("github.acme.example AAAAC3Nz"): not known_hosts lines (`<host> <key type> <base64 key>`, one per line); copy them from `ssh-keyscan <host>` after checking the fingerprints',
    ]);
  });

  it("a hostile known_hosts value is refused at once (no catastrophic backtracking)", () => {
    // 40 entries run together without newlines: a single repeated pattern would try ~2^40 splits.
    assert.equal(withKnownHosts(`a ssh-rsa AAA${" ssh-rsa AAA".repeat(40)}!`).length, 1);
  });
});
