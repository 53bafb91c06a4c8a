import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import fc from "fast-check";
import { CODEOWNERS_FILE, fleetOrg, PLATFORM_TEAM, projectCodeowners, renderCodeowners } from "../lib/codeowners";
import { loadProject } from "../lib/project";
import { lineDiff, main } from "../scripts/codeowners";

const ROOT = path.join(__dirname, "..");
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20261125;
const ORG = "acme";
const tenants = loadProject({ projectDir: ROOT, stack: "dev" }).tenants;
const committed = () => fs.readFileSync(path.join(ROOT, CODEOWNERS_FILE), "utf8");

/** The rule lines (pattern and owners) of a CODEOWNERS text, comments and blank lines left out. */
function rules(text: string): Array<{ pattern: string; owners: string[] }> {
  return text.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).map((l) => {
    const [pattern, ...owners] = l.split(/\s+/);
    return { pattern, owners };
  });
}

/**
 * Who must review a change to `file`, the way GitHub reads CODEOWNERS: the last matching pattern
 * wins. Only the pattern forms the generator writes are understood (`*`, `/dir/`, `/file`); any
 * other form fails the test rather than being guessed at.
 */
function ownersOf(text: string, file: string): string[] {
  let owners: string[] = [];
  for (const r of rules(text)) {
    let matches: boolean;
    if (r.pattern === "*") matches = true;
    else if (/^\/[^*?[\]!\\]+\/$/.test(r.pattern)) matches = `/${file}`.startsWith(r.pattern);
    else if (/^\/[^*?[\]!\\]+$/.test(r.pattern)) matches = `/${file}` === r.pattern;
    else assert.fail(`pattern ${r.pattern} is not one the generator writes`);
    if (matches) owners = r.owners;
  }
  return owners;
}

const team = (slug: string) => `@${ORG}/${slug}`;
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "codeowners-test-"));

/** A copy of the project's stack files, tenants and CODEOWNERS, edited before the CLI runs on it. */
function projectCopy(edit?: (dir: string) => void): string {
  const dir = tmp();
  for (const f of fs.readdirSync(ROOT).filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))) fs.copyFileSync(path.join(ROOT, f), path.join(dir, f));
  fs.mkdirSync(path.join(dir, "tenants"));
  for (const f of fs.readdirSync(path.join(ROOT, "tenants"))) fs.copyFileSync(path.join(ROOT, "tenants", f), path.join(dir, "tenants", f));
  fs.mkdirSync(path.join(dir, ".github"));
  fs.copyFileSync(path.join(ROOT, CODEOWNERS_FILE), path.join(dir, CODEOWNERS_FILE));
  edit?.(dir);
  return dir;
}

function edit(file: string, from: string | RegExp, to: string) {
  const text = fs.readFileSync(file, "utf8");
  assert.match(text, from instanceof RegExp ? from : new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")), `${file} no longer holds ${from}; update the test`);
  fs.writeFileSync(file, text.replace(from, to));
}

function cli(argv: string[], projectDir?: string): { code: number; out: string; err: string } {
  let out = "";
  let err = "";
  const code = main(argv, { out: (s) => (out += s + "\n"), err: (s) => (err += s + "\n") }, projectDir);
  return { code, out, err };
}

describe("CODEOWNERS (.github/CODEOWNERS from the tenants' owners)", function () {
  this.timeout(60_000);

  it("the committed .github/CODEOWNERS is what the tenant files generate", () => {
    assert.ok(fs.existsSync(path.join(ROOT, CODEOWNERS_FILE)), `${CODEOWNERS_FILE} is missing; run: npm run codeowners`);
    assert.equal(committed(), projectCodeowners(ROOT).text, `${CODEOWNERS_FILE} is out of date with the tenant files' owners; run: npm run codeowners`);
  });

  it("every tenant file has exactly one line, naming exactly its owners as teams of the fleet repository's owner", () => {
    assert.ok(tenants.length >= 3, "the shipped tenants are loaded");
    const lines = rules(committed());
    for (const t of tenants) {
      const mine = lines.filter((l) => l.pattern === `/${t.file}`);
      assert.equal(mine.length, 1, `${t.file}: ${mine.length} lines`);
      assert.deepEqual([...mine[0].owners].sort(), [...new Set(t.owners)].map(team).sort(), t.file);
    }
    const tenantLines = lines.filter((l) => l.pattern !== "*");
    assert.deepEqual(tenantLines.map((l) => l.pattern).sort(), tenants.map((t) => `/${t.file}`).sort(), "no line for a file that is not a tenant");
  });

  it("a tenant owned by two teams lists both", () => {
    const shared = tenants.find((t) => t.owners.length > 1);
    assert.ok(shared, "a shipped tenant has two owners (sock-shop)");
    assert.deepEqual(ownersOf(committed(), shared.file).sort(), shared.owners.map(team).sort());
    const text = renderCodeowners({ org: ORG, tenants: [{ file: "tenants/shop.yaml", owners: ["team-shop", "frontend-guild"] }] });
    assert.ok(text.includes("\n/tenants/shop.yaml @acme/frontend-guild @acme/team-shop\n"), text);
  });

  it("a change to a tenant file needs one of its owners; no other tenant's team is enough", () => {
    const text = committed();
    for (const t of tenants) {
      const reviewers = ownersOf(text, t.file);
      assert.deepEqual([...reviewers].sort(), t.owners.map(team).sort(), t.file);
      for (const other of tenants.filter((o) => o.owners.every((x) => !t.owners.includes(x)))) {
        for (const o of other.owners) assert.ok(!reviewers.includes(team(o)), `${team(o)} (${other.file}) can approve ${t.file}`);
      }
    }
  });

  it("a new tenant file, this file, the CI workflow, the stack files and the platform code need the platform team", () => {
    const text = committed();
    for (const f of ["tenants/new-team.yaml", CODEOWNERS_FILE, ".github/workflows/platform.yml", "Pulumi.prod.yaml", "Pulumi.yaml", "lib/project.ts", "index.ts", "schemas/tenant.schema.json", "package.json"]) {
      assert.deepEqual(ownersOf(text, f), [team(PLATFORM_TEAM)], f);
    }
  });

  it("the platform catch-all comes before every tenant line, so each tenant line wins for its file", () => {
    const lines = rules(committed());
    assert.deepEqual(lines[0], { pattern: "*", owners: [team(PLATFORM_TEAM)] });
    assert.equal(lines.filter((l) => l.pattern === "*").length, 1);
  });

  it("the header says the file is generated, by which command, and how it is checked", () => {
    const header = committed().split("\n").filter((l) => l.startsWith("#")).join("\n");
    assert.match(header, /^# Generated by `npm run codeowners`/);
    assert.match(header, /Do not edit/);
    assert.match(header, /npm run codeowners -- --check/);
    assert.match(header, /LAST pattern that matches/);
  });

  it("the rendering is deterministic: tenants sorted by path, owners sorted and once, one trailing newline, whatever the input order", () => {
    const slug = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/);
    const input = fc.uniqueArray(fc.record({ file: slug.map((s) => `tenants/${s}.yaml`), owners: fc.array(slug, { minLength: 1, maxLength: 4 }) }), { selector: (t) => t.file, minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(input, fc.infiniteStream(fc.nat()), (ts, randoms) => {
        const text = renderCodeowners({ org: ORG, tenants: ts });
        const shuffled = ts
          .map((t) => ({ t: { ...t, owners: [...t.owners, ...t.owners.slice(0, 1)].sort(() => (randoms.next().value % 3) - 1) }, k: randoms.next().value }))
          .sort((a, b) => a.k - b.k)
          .map((x) => x.t);
        assert.equal(renderCodeowners({ org: ORG, tenants: shuffled }), text);
        assert.ok(text.endsWith("\n") && !text.endsWith("\n\n"));
        const lines = rules(text).slice(1);
        const paths = lines.map((l) => l.pattern);
        assert.deepEqual(paths, [...paths].sort());
        for (const l of lines) {
          assert.deepEqual(l.owners, [...new Set(l.owners)].sort(), l.pattern);
          assert.ok(l.owners.every((o) => /^@acme\/[a-z0-9-]+$/.test(o)), l.owners.join(" "));
        }
      }),
      { numRuns: 100, seed: SEED },
    );
  });

  it("the organisation is the fleet repository's owner, shared by every stack", () => {
    assert.deepEqual(fleetOrg([{ file: "Pulumi.dev.yaml", repository: "acme/fleet" }, { file: "Pulumi.prod.yaml", repository: "Acme/fleet-prod" }]), { org: "acme", problems: [] });
    assert.match(committed(), /^\* @acme\/platform$/m);
  });

  it("stacks whose fleet repositories have different owners are refused, naming both stack files", () => {
    const { org, problems } = fleetOrg([{ file: "Pulumi.dev.yaml", repository: "acme/fleet" }, { file: "Pulumi.prod.yaml", repository: "other/fleet" }]);
    assert.equal(org, undefined);
    assert.equal(problems.length, 1);
    assert.equal(problems[0].file, "Pulumi.prod.yaml");
    assert.equal(problems[0].field, "platform:fleet.repository");
    assert.match(problems[0].message, /owned by "other" but Pulumi\.dev\.yaml's \(acme\/fleet\) by "acme"/);
  });

  it("the diff lists removed lines with - and added ones with +, in file order", () => {
    assert.deepEqual(lineDiff(["# h", "a x", "b y", "c z"], ["# h", "a x", "b y w", "c z", "d v"]), ["-b y", "+b y w", "+d v"]);
    assert.deepEqual(lineDiff(["a", "b"], ["a", "b"]), []);
  });

  describe("npm run codeowners (in process)", () => {
    it("--check exits 0 on the committed file and writes nothing", () => {
      const before = fs.statSync(path.join(ROOT, CODEOWNERS_FILE)).mtimeMs;
      const r = cli(["--check"]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /\.github\/CODEOWNERS is up to date \(3 tenant files\)/);
      assert.equal(fs.statSync(path.join(ROOT, CODEOWNERS_FILE)).mtimeMs, before);
    });

    it("--check exits 1 when a tenant's owners change without regenerating, naming the file, the changed line and npm run codeowners", () => {
      const dir = projectCopy((d) => edit(path.join(d, "tenants/app-a.yaml"), "owners: [team-a]", "owners: [team-a, team-b]"));
      const before = fs.readFileSync(path.join(dir, CODEOWNERS_FILE), "utf8");
      const r = cli(["--check"], dir);
      assert.equal(r.code, 1, r.out);
      assert.match(r.err, /^\.github\/CODEOWNERS is out of date with the tenant files' owners; regenerate it with: npm run codeowners/);
      assert.ok(r.err.includes("\n-/tenants/app-a.yaml @acme/team-a\n+/tenants/app-a.yaml @acme/team-a @acme/team-b\n"), r.err);
      assert.ok(!/^[-+]\/tenants\/(flask-app|sock-shop)/m.test(r.err), "unchanged lines are not listed");
      assert.equal(fs.readFileSync(path.join(dir, CODEOWNERS_FILE), "utf8"), before, "--check never writes");
    });

    it("--check exits 1 when a new tenant file has no line yet", () => {
      const dir = projectCopy((d) => {
        fs.copyFileSync(path.join(d, "tenants/app-a.yaml"), path.join(d, "tenants/app-b.yaml"));
        edit(path.join(d, "tenants/app-b.yaml"), /^name: app-a$/m, "name: app-b");
        edit(path.join(d, "tenants/app-b.yaml"), "owners: [team-a]", "owners: [team-b]");
        edit(path.join(d, "tenants/app-b.yaml"), /eks-gitops-app-a/, "eks-gitops-app-b");
      });
      const r = cli(["--check"], dir);
      assert.equal(r.code, 1, r.err);
      assert.ok(r.err.includes("\n+/tenants/app-b.yaml @acme/team-b"), r.err);
    });

    it("--check exits 1 when the file is missing, with the command that creates it", () => {
      const dir = projectCopy((d) => fs.rmSync(path.join(d, CODEOWNERS_FILE)));
      const r = cli(["--check"], dir);
      assert.equal(r.code, 1);
      assert.equal(r.err, ".github/CODEOWNERS does not exist; generate it with: npm run codeowners (and commit it)\n");
      assert.ok(!fs.existsSync(path.join(dir, CODEOWNERS_FILE)));
    });

    it("without --check it writes the file the tenants generate, and --check then passes", () => {
      const dir = projectCopy((d) => {
        fs.rmSync(path.join(d, ".github"), { recursive: true });
        edit(path.join(d, "tenants/sock-shop.yaml"), "owners: [team-shop, frontend-guild]", "owners: [team-shop]");
      });
      const r = cli([], dir);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^wrote \.github\/CODEOWNERS \(3 tenant files\)/);
      const written = fs.readFileSync(path.join(dir, CODEOWNERS_FILE), "utf8");
      assert.ok(written.includes("\n/tenants/sock-shop.yaml @acme/team-shop\n"), written);
      assert.equal(cli(["--check"], dir).code, 0);
    });

    it("an invalid tenant file exits 1 with its problem, and nothing is written", () => {
      const dir = projectCopy((d) => {
        fs.rmSync(path.join(d, CODEOWNERS_FILE));
        edit(path.join(d, "tenants/app-a.yaml"), "owners: [team-a]", "owners: [Team_A]");
      });
      const r = cli([], dir);
      assert.equal(r.code, 1);
      assert.match(r.err, /tenants\/app-a\.yaml: owners\[0\] \("Team_A"\)/);
      assert.match(r.err, /\.github\/CODEOWNERS is generated from valid stack and tenant files only/);
      assert.equal(r.err.match(/tenants\/app-a\.yaml: owners\[0\]/g)?.length, 1, "a tenant problem found by both stacks is reported once");
      assert.ok(!fs.existsSync(path.join(dir, CODEOWNERS_FILE)));
    });

    it("stacks whose fleet repositories have different owners exit 1 naming both stack files", () => {
      const dir = projectCopy((d) => edit(path.join(d, "Pulumi.prod.yaml"), "repository: acme/eks-gitops-fleet", "repository: acme-prod/eks-gitops-fleet"));
      const r = cli(["--check"], dir);
      assert.equal(r.code, 1, r.err);
      assert.match(r.err, /Pulumi\.prod\.yaml: platform:fleet\.repository \("acme-prod\/eks-gitops-fleet"\): is owned by "acme-prod" but Pulumi\.dev\.yaml's/);
    });

    it("an unknown option exits 2 with the usage", () => {
      const r = cli(["--chek"]);
      assert.equal(r.code, 2);
      assert.match(r.err, /Unknown option '--chek'\nusage: npm run codeowners \[-- --check\]/);
    });
  });
});
