import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import { BIN_DIR, buildEngine, engineVersion, ENGINES_DIR, moduleDir } from "../../engines/build";
import { fluxRelease } from "../../engines/crds";
import { formatProblem } from "../../lib/errors";
import { loadProject } from "../../lib/project";
import { loadTenants } from "../../lib/tenants";
import { CHECK_CONTEXT, minimalTenant, ROOT, writeFiles } from "../helpers/fixtures";

/**
 * The validator judges Flux's regular expressions and semver ranges with JavaScript ports of the Go
 * libraries (lib/go-syntax.ts). Here Go itself judges the same values (engines/gosyntax: Go's
 * regexp, and Masterminds/semver at the release Flux's image-reflector-controller requires), and the
 * two must agree on every value of a list chosen to sit where the engines differ.
 */

const REGEXES = [
  // what Flux users write
  "^main-[a-f0-9]+-(?P<ts>[0-9]+)", "^(?<ts>[0-9]+)$", "^v?[0-9]+\\.[0-9]+\\.[0-9]+$", "^[a-f0-9]{7,40}$", ".*",
  // Perl and JavaScript features RE2 lacks
  "^(?<=v)[0-9]+", "(?<!x)y", "a(?=b)", "^v(?!0)", "(a)\\1", "\\k<n>", "(?P=n)", "a*+", "a++", "a?+", "a{2}+", "(?>a)", "(?|a)", "(?#c)", "(?x)a",
  "\\Z", "\\z", "\\A", "\\G", "\\R", "\\h", "\\X", "\\C", "\\e", "\\cA", "\\u0041", "\\0", "\\01", "\\8",
  // RE2 syntax JavaScript lacks or reads otherwise
  "(?P<n>x)", "(?<n>x)", "(?P<n>a)(?P<n>b)", "(?P<1a>x)", "(?P<>x)", "(?P<a-b>x)", "[[:alpha:]]", "[[:^alpha:]]", "[[:foo:]]",
  "\\pL", "\\p{Greek}", "\\P{L}", "\\p{^L}", "\\p{Foo}", "\\Q.*\\E", "(?i)a", "(?s).", "(?m)^a$", "(?U)a+", "(?i:a)b", "\\x{10FFFF}", "\\x{110000}",
  // limits and plain mistakes
  "a{1000}", "a{1001}", "(a{100}){10}", "(a{1000}){2}", "((a{10}){10}){11}", "x{2,1}", "a{,3}", "a{1", "[z-a]", "[a-\\d]", "[\\d-z]", "[^]", "[]a]", "[a",
  "(", ")", "\\", "*a", "+", "a|*", "a**", "$", "^$",
  "(".repeat(1001) + "a" + ")".repeat(1001), "(?:".repeat(999) + "a" + ")".repeat(999),
  "garbage(", "(?P<ts>[0-9]+", "^main-(?P<ts>[0-9+",
];

const SEMVER_RANGES = [
  // the brief's list
  "1.x", ">=1.0 <2.0", ">=1.0, <2.0", "~1.2", "^0.3.x-0", "1.2.3 - 2.0", "||", "garbage",
  // operators and separators
  "=>1.0", "=<1", "~>1.2", "!=1.2.3", "= 1", "== 1", "<>1", "^~1", " ^1 ", "1 2", "1,2", "1, 2", "1 ,2", "1.2.3,1.2.4", "1.2.3,,1.2.4", ",1.2.3", "1.2.3,",
  "^1.2.3 || ~2.0 || 3.x", ">1 <2 >3 <4", "1.2.3 -2.0", "1.2.3- 2.0", "1.2.3  -  2.0", "1.2.3\t-\t2.0", ">1.0 - 2.0", "1 - 2 || 1 - 2", "1.2.3 - x", "x - 1",
  // versions
  "", " ", "1.2.3", "v1.2.3", "v", "vx", "v1.x", "^v1.2", "*", "x", "X.X", "x.x.x", "1.*", "**", "1.x|x", "*.1|2.3", "1|2", "1.|.3", "x.1", "a1",
  "1.2.3.4", "1..2", "01.2.3", "1.02.3", "1.0.0-01", "1.0.0-x.01", "x-01", "1.x-01", "1.2.x-01", "1.2.3-01", "1.2.3+build.01", "1.2.3+", "1.2.3-", "1.2.3-.a",
  "<=1.2.3-beta+build", "1.2.3-beta+b.u.i.l.d", ">=1.0.0-alpha", ">=1.0.0 <2.0.0-0", "^1.2.x", "^0.0.x", "~0",
  "99999999999999999999", "18446744073709551615", "18446744073709551616.0", "1.0\u00a0<2", "1.0\v<2",
  // limits
  "1".repeat(300), `1.${"a".repeat(260)}`, `1.2.3-${"a".repeat(260)}`, `${"1 || ".repeat(31)}1`, `${"1 || ".repeat(32)}1`, `>=1.0.0 ${"<2 ".repeat(200)}`,
];

interface GoVerdict {
  ok: boolean;
  groups?: string;
  line: string;
}

/** Asks the Go checker about every value at once (one process, one line each). */
function askGo(kind: "regex" | "semver", values: string[]): GoVerdict[] {
  for (const v of values) assert.ok(!/[\r\n]/.test(v), `the checker reads one value per line: ${JSON.stringify(v)}`);
  const r = spawnSync(path.join(BIN_DIR, "gosyntax"), { input: values.map((v) => `${kind} ${v}\n`).join(""), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n").slice(0, -1);
  assert.equal(lines.length, values.length, "one answer per value");
  return lines.map((line) => ({ ok: line.startsWith("ok"), groups: line.startsWith("ok") ? line.slice(2).trim() : undefined, line }));
}

const imageTenant = (image: Record<string, unknown>) => stringify({
  ...minimalTenant("app-a"),
  ecr: ["web"],
  imageAutomation: { path: "./deploy", images: [{ name: "web", ecr: "web", policy: { numerical: { order: "asc" } }, ...image }] },
});

/** The validator's verdict on one field, through a tenant file as the program loads it. */
function validatorProblems(image: Record<string, unknown>, field: string): string[] {
  const dir = writeFiles({ "app-a.yaml": imageTenant(image) }, "gosyntax");
  return loadTenants(dir, CHECK_CONTEXT, "tenants").problems.map(formatProblem).filter((l) => l.startsWith(`tenants/app-a.yaml: imageAutomation.images[0].${field}`));
}

const show = (v: string) => JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…(${v.length} chars)` : v);

/** Go's verdicts on `values`, and a line for each value where the validator's verdict differs. */
function compareWithGo(kind: "regex" | "semver", values: string[], image: (v: string) => Record<string, unknown>, field: string): { go: GoVerdict[]; disagreements: string[] } {
  const go = askGo(kind, values);
  const disagreements = values.flatMap((v, i) => {
    const problems = validatorProblems(image(v), field);
    if (go[i].ok === (problems.length === 0)) return [];
    return [`${show(v)}: Go says ${go[i].line.slice(0, 120)}; the validator ${problems.length ? `refuses it: ${problems[0]}` : "accepts it"}`];
  });
  return { go, disagreements };
}

describe("Go and the validator agree on Flux's regular expressions and semver ranges", () => {
  before(async function () {
    this.timeout(0); // a cold build downloads Masterminds/semver and compiles a small binary
    await buildEngine("gosyntax", (l) => console.log(`      ${l}`));
  });

  it("the Go checker uses the Masterminds/semver release and the Go minor of the image-reflector-controller the stacks' Flux runs", () => {
    for (const stack of ["dev", "prod"]) {
      const { flux } = loadProject({ projectDir: ROOT, stack }).stack;
      const operator = moduleDir("github.com/controlplaneio-fluxcd/flux-operator", `v${flux.operatorChartVersion}`);
      const release = fluxRelease(operator, flux.version);
      const manifest = fs.readFileSync(path.join(operator, "config", "data", "flux", release, "image-reflector-controller.yaml"), "utf8");
      const tag = /image-reflector-controller:(v[0-9][^\s"']*)/.exec(manifest)?.[1];
      assert.ok(tag, `${stack}: no image-reflector-controller image in Flux ${release}`);
      const gomod = fs.readFileSync(path.join(moduleDir("github.com/fluxcd/image-reflector-controller", tag), "go.mod"), "utf8");
      const masterminds = /^\s*github\.com\/Masterminds\/semver\/v3 (v\S+)/m.exec(gomod)?.[1];
      assert.equal(engineVersion("gosyntax"), masterminds, `${stack}: Flux ${release} runs image-reflector-controller ${tag}, which requires Masterminds/semver ${masterminds}; pin engines/gosyntax/go.mod to it`);
      const goMinor = (v: string) => /^(?:go)?(\d+\.\d+)/.exec(v)?.[1];
      const controllerGo = /^go (\S+)/m.exec(gomod)?.[1] ?? "";
      const ours = spawnSync("go", ["env", "GOVERSION"], { encoding: "utf8", cwd: path.join(ENGINES_DIR, "gosyntax") }).stdout.trim();
      assert.equal(goMinor(ours), goMinor(controllerGo), `${stack}: image-reflector-controller ${tag} is built with Go ${controllerGo}; the checker with ${ours}`);
    }
  });

  it("every regex the validator accepts compiles in Go (with the same named groups), and every one it refuses does not", () => {
    const { go, disagreements } = compareWithGo("regex", REGEXES, (pattern) => ({ filterTags: { pattern } }), "filterTags.pattern");
    assert.deepEqual(disagreements, []);
    // extract names groups: for every pattern Go accepts, the validator knows exactly Go's named groups.
    const named = REGEXES.flatMap((pattern, i) => {
      const names = (go[i].groups ?? "").split(" ").slice(1).filter(Boolean);
      if (!go[i].ok || names.length === 0) return [];
      const refused = validatorProblems({ filterTags: { pattern, extract: names.map((n) => `\${${n}}`).join("-") } }, "filterTags.extract");
      return refused.length ? [`${show(pattern)}: Go names groups ${names.join(", ")}; the validator: ${refused[0]}`] : [];
    });
    assert.deepEqual(named, []);
  });

  it("every semver range the validator accepts parses in Go's Masterminds/semver, and every one it refuses does not", () => {
    assert.deepEqual(compareWithGo("semver", SEMVER_RANGES, (semver) => ({ policy: { semver } }), "policy.semver").disagreements, []);
  });

  it("the list holds values on both sides (a list Go accepts whole would prove nothing)", () => {
    for (const [kind, values] of [["regex", REGEXES], ["semver", SEMVER_RANGES]] as const) {
      const verdicts = askGo(kind, values);
      assert.ok(verdicts.filter((v) => v.ok).length >= 15, `${kind}: too few accepted values`);
      assert.ok(verdicts.filter((v) => !v.ok).length >= 15, `${kind}: too few refused values`);
    }
  });
});
