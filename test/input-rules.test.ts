import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { stringify } from "yaml";
import type { z } from "zod";
import { checkQuotaCapacity, clusterBound, instanceBound } from "../lib/capacity";
import { formatProblem } from "../lib/errors";
import { compileGoRegex, expandReferences, mastermindsRangeError } from "../lib/go-syntax";
import { closest } from "../lib/issues";
import { loadProject } from "../lib/project";
import { stackSchema } from "../lib/stack-schema";
import { parseCidr } from "../lib/network";
import { FLEET_COMMIT_TYPE } from "../lib/fleet-commit";
import { TENANT_LABEL } from "../lib/objects/meta";
import { manifestsFrom } from "../plan/manifests";
import { AWS_REGIONS, EKS_KUBERNETES_VERSIONS, knownNamespaces } from "../lib/stack-rules";
import { isIgnoredEntry } from "../lib/tenant-folder";
import { TENANT_LIST_LIMITS, tenantSchema } from "../lib/tenant-schema";
import { loadTenants } from "../lib/tenants";
import { MAX_FILE_BYTES, MAX_NESTING, parseYamlMapping } from "../lib/yaml-file";
import { CHECK_CONTEXT, loadTenantFiles, minimalTenant, projectProblems, ROOT, tempDir, tempProject, tenantFrom, withEnv, writeKubeconfig } from "./helpers/fixtures";

const shippedDev = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
const devWith = (edit: (s: string) => string) => {
  const edited = edit(shippedDev);
  assert.notEqual(edited, shippedDev, "the edit did not change the stack file");
  return edited;
};

describe("the tenants folder rule", () => {
  it("dotfiles, editor and merge leftovers and Markdown are the only entries ignored", () => {
    for (const ignored of [".gitkeep", ".yamllint.yaml", ".app-a.yaml.swp", ".#app-a.yaml", "app-a.yaml~", "#app-a.yaml#", "app-a.yaml.swp", "app-a.yaml.bak", "app-a.yaml.orig", "app-a.yaml.rej", "app-a.yaml.tmp", "README.md", "NOTES.MD"]) {
      assert.ok(isIgnoredEntry(ignored), ignored);
    }
    for (const read of ["app-a.yaml", "app-a.yml", "app-a.YAML", "app-a.json", "notes.txt", "team-b", "app-a"]) assert.ok(!isIgnoredEntry(read), read);
  });

  it("a folder of valid tenants with a README and editor files beside them loads with no problems", () => {
    const { lines, tenants } = loadTenantFiles({ "app-a.yaml": stringify(minimalTenant("app-a")), "README.md": "# teams\n", ".app-a.yaml.swp": "\0", "app-a.yaml~": "broken: [" });
    assert.deepEqual(lines, []);
    assert.equal(tenants.length, 1);
  });
});

describe("Go's syntax, as the validator reads it", () => {
  it("named groups are read in Go's order, duplicates included (Go allows two groups of one name)", () => {
    assert.deepEqual(compileGoRegex("(?P<a>x)(?<b>y)(z)(?P<a>w)"), { ok: true, groups: 4, names: ["a", "b", "a"] });
  });

  it("extract references follow Go's Expand: longest names, ${...}, $$ as a literal, a lone $ as text", () => {
    assert.deepEqual(expandReferences("$ts"), ["ts"]);
    assert.deepEqual(expandReferences("v${major}.$minor-$1x"), ["major", "minor", "1x"]);
    assert.deepEqual(expandReferences("$$ts $ -$"), []);
  });

  it("the semver check refuses what Masterminds refuses before parsing: over 512 bytes, over 32 alternatives", () => {
    assert.match(mastermindsRangeError(">=1.0.0 ".repeat(70)) ?? "", /longer than 512 bytes/);
    assert.match(mastermindsRangeError(Array.from({ length: 33 }, () => "1").join(" || ")) ?? "", /more than 32 alternatives/);
    assert.equal(mastermindsRangeError(Array.from({ length: 32 }, () => "1").join(" || ")), undefined);
  });
});

describe("stack files: AWS, EKS and Flux facts", () => {
  it("the regions are the AWS provider's own list, and a near miss is named", () => {
    for (const r of ["eu-west-1", "us-east-1", "ap-southeast-5", "us-gov-west-1", "cn-north-1"]) assert.ok(AWS_REGIONS.includes(r), r);
    assert.equal(closest("eu-wset-1", [...AWS_REGIONS]), "eu-west-1");
  });

  it("the Kubernetes versions offered include the one the stacks and the real-engine harness run", () => {
    assert.ok(EKS_KUBERNETES_VERSIONS.includes("1.35"));
  });

  it("config namespaces are this program's and its providers' (read from package.json), and Pulumi's", () => {
    assert.deepEqual(knownNamespaces(), ["platform", "aws", "eks", "github", "kubernetes", "random", "tls", "pulumi"]);
  });

  it("a misspelt config namespace is refused under pulumi up too, where Pulumi passes only the keys it understood", () => {
    const dir = tempProject({ "Pulumi.dev.yaml": devWith((s) => s.replace("  platform:delivery: gitops\n", "  platform:delivery: gitops\n  Platform:protectNamespaces: true\n")) });
    const config = Object.fromEntries(Object.entries((parseYamlMapping(shippedDev, "x").value as { config: Record<string, unknown> }).config)
      .filter(([k]) => k.startsWith("platform:")).map(([k, v]) => [k.slice("platform:".length), v]));
    assert.deepEqual(projectProblems({ projectDir: dir, stack: "dev", config }), [
      'Pulumi.dev.yaml: Platform:protectNamespaces: is in config namespace "Platform", which nothing reads (this program reads platform:, its providers aws:, eks:, github:, kubernetes:, random:, tls:, pulumi:); did you mean platform:protectNamespaces?',
    ]);
  });

  it("CIDRs are parsed strictly: octets up to 255 without leading zeros, a prefix up to 32", () => {
    assert.deepEqual(parseCidr("10.20.0.0/16"), { address: 0x0a140000, start: 0x0a140000, bits: 16, size: 65536 });
    for (const bad of ["10.20.0.0", "10.256.0.0/16", "10.020.0.0/16", "10.20.0.0/33", "10.20.0/16", " 10.20.0.0/16", "::/0"]) assert.equal(parseCidr(bad), undefined, bad);
  });

  it("two clusters of one stack left at the default VPC range overlap and are refused", () => {
    const cluster = shippedDev.slice(shippedDev.indexOf("    - name: dev-euw1"));
    const twice = devWith((s) => (s + cluster.replaceAll("dev-euw1", "dev-euw2")).replace(/      vpcCidr: .*\n/g, ""));
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": twice }), stack: "dev" }), [
      'Pulumi.dev.yaml: platform:clusters[1].vpcCidr ("10.0.0.0/16"): overlaps 10.0.0.0/16, the VPC of cluster dev-euw1; give each cluster of a stack its own range (e.g. 10.20.0.0/16, 10.30.0.0/16) so their networks can be connected',
    ]);
  });

  it("a second cluster whose node-group resource names meet the first's, or whose receiver host is the first's, is refused naming both", () => {
    const cluster = shippedDev.slice(shippedDev.indexOf("    - name: dev-euw1"));
    const sameGroupName = devWith((s) => s + cluster.replace("- name: dev-euw1", "- name: dev").replace("10.10.0.0/16", "10.11.0.0/16").replace("- name: general", "- name: euw1-general").replace("flux-webhook.dev-euw1", "flux-webhook.dev-x"));
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": sameGroupName }), stack: "dev" }), [
      'Pulumi.dev.yaml: platform:clusters[1].nodeGroups[0].name ("euw1-general"): makes the resource name dev-euw1-general, as platform:clusters[0].nodeGroups[0].name does; rename one node group',
    ]);
    const sameHost = devWith((s) => s + cluster.replace("- name: dev-euw1", "- name: dev-euw2").replace("10.10.0.0/16", "10.11.0.0/16"));
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": sameHost }), stack: "dev" }), [
      'Pulumi.dev.yaml: platform:clusters[1].receiver.host ("flux-webhook.dev-euw1.dev.acme.example"): is also the receiver host of cluster dev-euw1; GitHub would call one of them for both, so give each cluster its own host',
    ]);
  });

  it("a cluster name another stack of the project uses on the same fleet repository is refused (both would write clusters/<name>)", () => {
    const prod = fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8");
    const dev = devWith((s) => s.replace("- name: dev-euw1", "- name: prod-euw1").replace("flux-webhook.dev-euw1", "flux-webhook.dev-x"));
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": dev, "Pulumi.prod.yaml": prod }), stack: "dev" }), [
      'Pulumi.dev.yaml: platform:clusters[0].name ("prod-euw1"): is also a cluster of Pulumi.prod.yaml, which syncs from the same fleet repository (acme/eks-gitops-fleet); both would write clusters/prod-euw1, so give each cluster a name of its own',
    ]);
    const ownFleet = dev.replace("repository: acme/eks-gitops-fleet", "repository: acme/dev-fleet");
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": ownFleet, "Pulumi.prod.yaml": prod }), stack: "dev" }), [], "another fleet repository: no clash");
  });

  it("publicCidrs are public ranges (EKS refuses private ones), admin roles are listed once, tenantsDir stays in the project", () => {
    const edited = devWith((s) => s
      .replace("        private: true\n", "        private: true\n        publicCidrs: [10.0.0.0/8, 203.0.113.0/24]\n")
      .replace("        - arn:aws:iam::111122223333:role/platform-admin\n", "        - arn:aws:iam::111122223333:role/platform-admin\n        - arn:aws:iam::111122223333:role/platform-admin\n")
      .replace("  platform:delivery: gitops\n", "  platform:delivery: gitops\n  platform:tenantsDir: ../other-repo/tenants\n"));
    const problems = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": edited }), stack: "dev" });
    for (const expected of [
      'Pulumi.dev.yaml: platform:clusters[0].endpoint.publicCidrs[0] ("10.0.0.0/8"): is a private range, and EKS refuses private ranges for the public endpoint (they never arrive there); reach the cluster from inside its VPC through the private endpoint, or name the public addresses your traffic leaves from',
      'Pulumi.dev.yaml: platform:clusters[0].adminRoleArns[1] ("arn:aws:iam::111122223333:role/platform-admin"): is also adminRoleArns[0]; EKS refuses a second access entry for one role (409), so list each role once',
      'Pulumi.dev.yaml: platform:tenantsDir ("../other-repo/tenants"): is not a folder inside this project; tenant files must be reviewed in this repository\'s pull requests, so use a relative path such as "tenants"',
    ]) assert.ok(problems.includes(expected), `missing:\n${expected}\nin:\n${problems.join("\n")}`);
  });

  it("ingress class names, chart versions and the Flux registry have their formats", () => {
    const edited = devWith((s) => s
      .replace("  platform:ingressClassName: alb\n", "  platform:ingressClassName: AWS ALB\n")
      .replace('    chartVersion: "2.18.1"', "    chartVersion: latest")
      .replace('    version: "2.9.x"', '    version: "2.9.x"\n    registry: "https://docker.io/evil fluxcd"'));
    const problems = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": edited }), stack: "dev" });
    const fields = problems.map((p) => /^Pulumi\.dev\.yaml: (\S+) /.exec(p)?.[1]).sort();
    assert.deepEqual(fields, ["platform:flux.registry", "platform:ingressClassName", "platform:sealedSecrets.chartVersion"], problems.join("\n"));
  });

  it("a role of another partition than a cluster's region is refused", () => {
    const edited = devWith((s) => s.replace("        - arn:aws:iam::111122223333:role/platform-admin\n", "        - arn:aws-cn:iam::111122223333:role/platform-admin\n"));
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": edited }), stack: "dev" }), [
      'Pulumi.dev.yaml: platform:clusters[0].adminRoleArns[0] ("arn:aws-cn:iam::111122223333:role/platform-admin"): is a role of partition aws-cn, but cluster dev-euw1 is in eu-west-1 (partition aws); use arn:aws:iam::…',
    ]);
  });

  it("CI's runner networks (ci.runnerCidrs) must be aligned private IPv4 ranges: a runner reaches a private endpoint only from inside or through a VPC", () => {
    const withCidrs = (cidrs: string) => devWith((s) => s.replace("  platform:delivery: gitops\n", `  platform:delivery: gitops\n  platform:ci:\n    runnerLabels: [self-hosted, dev-vpc]\n    runnerCidrs: ${cidrs}\n`));
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": withCidrs("[10.40.0.0/24, 192.168.8.0/22]") }), stack: "dev" }), []);
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": withCidrs("[203.0.113.0/24, 10.40.0.1/24, 10.40.0/24]") }), stack: "dev" }), [
      'Pulumi.dev.yaml: platform:ci.runnerCidrs[0] ("203.0.113.0/24"): is not a private range (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 or 100.64.0.0/10): a runner reaches a private endpoint only from inside the VPC or a network routed to it; name the runner\'s subnet, e.g. 10.50.0.0/24',
      'Pulumi.dev.yaml: platform:ci.runnerCidrs[1] ("10.40.0.1/24"): has host bits set; the network is 10.40.0.0/24, so write that (AWS refuses 10.40.0.1/24)',
      'Pulumi.dev.yaml: platform:ci.runnerCidrs[2] ("10.40.0/24"): not an IPv4 CIDR, e.g. "10.50.0.0/24" (the runner\'s subnet)',
    ]);
  });

  it("an existing cluster's kubeconfig, when the stack names one, must hold its context; one that does is accepted", () => {
    const dir = tempDir("kube");
    fs.writeFileSync(path.join(dir, "config"), "apiVersion: v1\nkind: Config\ncontexts:\n  - name: kind-platform\n    context: {cluster: kind, user: kind}\n");
    const stack = (context: string) => devWith((s) => s.slice(0, s.indexOf("    - name: dev-euw1")) + `    - name: dev-local\n      existing: {context: ${context}, kubeconfig: ${path.join(dir, "config")}}\n`);
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": stack("kind-platform") }), stack: "dev" }), []);
    assert.deepEqual(projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": stack("kind-other") }), stack: "dev" }), [
      `Pulumi.dev.yaml: platform:clusters[0].existing.kubeconfig ("${path.join(dir, "config")}"): has no context "kind-other" (it has kind-platform); fix existing.context, or point existing.kubeconfig to the file that has it`,
    ]);
  });

  describe("an existing cluster without kubeconfig is checked against the default one ($KUBECONFIG, else ~/.kube/config) at validation", () => {
    const existing = (context: string) => devWith((s) => s.slice(0, s.indexOf("    - name: dev-euw1")) + `    - name: dev-local\n      existing: {context: ${context}}\n`);
    const problems = (context: string) => projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": existing(context) }), stack: "dev" });
    const fix = "set existing.kubeconfig to the file that has it, or export KUBECONFIG=<that file> before running";

    it("a context in any file of a $KUBECONFIG list is accepted", () => {
      const list = [writeKubeconfig(["kind-other"]), path.join(tempDir("kube"), "absent"), writeKubeconfig(["kind-platform"])].join(path.delimiter);
      assert.deepEqual(withEnv({ KUBECONFIG: list }, () => problems("kind-platform")), []);
    });

    it("a missing default kubeconfig is a problem of the stack file, at the context, with the fix", () => {
      const absent = path.join(tempDir("kube"), "config");
      assert.deepEqual(withEnv({ KUBECONFIG: absent }, () => problems("kind-platform")), [
        `Pulumi.dev.yaml: platform:clusters[0].existing.context ("kind-platform"): no kubeconfig holds it: the stack names none, and $KUBECONFIG (${absent}) does not exist; ${fix}`,
      ]);
    });

    it("a context in no file of the default kubeconfig is a problem naming the contexts it has", () => {
      const a = writeKubeconfig(["kind-a"]);
      const b = writeKubeconfig(["kind-b"]);
      assert.deepEqual(withEnv({ KUBECONFIG: `${a}${path.delimiter}${b}` }, () => problems("kind-platform")), [
        `Pulumi.dev.yaml: platform:clusters[0].existing.context ("kind-platform"): is not a context of the default kubeconfig $KUBECONFIG (${a}${path.delimiter}${b}) (it has kind-a, kind-b); fix existing.context, or ${fix}`,
      ]);
    });

    it("without $KUBECONFIG, ~/.kube/config is the file read: accepted when it has the context, refused by path when absent", () => {
      const home = tempDir("home");
      const config = path.join(home, ".kube", "config");
      withEnv({ KUBECONFIG: undefined, HOME: home, USERPROFILE: home }, () => {
        assert.deepEqual(problems("kind-platform"), [
          `Pulumi.dev.yaml: platform:clusters[0].existing.context ("kind-platform"): no kubeconfig holds it: the stack names none, and ${config} does not exist; ${fix}`,
        ]);
        fs.mkdirSync(path.dirname(config));
        fs.copyFileSync(writeKubeconfig(["kind-platform"]), config);
        assert.deepEqual(problems("kind-platform"), []);
      });
    });
  });
});

describe("quotas no cluster of the stage could ever hold", () => {
  /** Published sizes (vCPUs, GiB) of one type of each family the bound knows. */
  const PUBLISHED: [string, number, number][] = [
    ["t3.nano", 2, 0.5], ["t3.medium", 2, 4], ["t3.large", 2, 8], ["t4g.2xlarge", 8, 32], ["a1.4xlarge", 16, 32], ["m5.large", 2, 8], ["m6i.xlarge", 4, 16],
    ["m7i-flex.8xlarge", 32, 128], ["c5n.18xlarge", 72, 192], ["c7gn.16xlarge", 64, 128], ["r5.24xlarge", 96, 768], ["r7iz.32xlarge", 128, 1024],
    ["z1d.12xlarge", 48, 384], ["i3en.24xlarge", 96, 768], ["im4gn.16xlarge", 64, 256], ["is4gen.8xlarge", 32, 192], ["d3en.12xlarge", 48, 192],
    ["h1.16xlarge", 64, 256], ["g6e.xlarge", 4, 32], ["gr6.8xlarge", 32, 256], ["p4d.24xlarge", 96, 1152], ["p5.48xlarge", 192, 2048],
    ["inf2.48xlarge", 192, 768], ["trn1.32xlarge", 128, 512], ["dl1.24xlarge", 96, 768], ["vt1.24xlarge", 96, 192], ["f1.16xlarge", 64, 976],
    ["hpc6id.32xlarge", 64, 1024], ["x1e.32xlarge", 128, 3904], ["x2iedn.32xlarge", 128, 4096], ["x8g.48xlarge", 192, 3072],
    ["u-6tb1.56xlarge", 224, 6144], ["u7i-12tb.224xlarge", 896, 12288], ["m7i.metal-48xl", 192, 768],
  ];

  it("the bound read from an instance type's name is never below its published size", () => {
    for (const [type, vcpus, gib] of PUBLISHED) {
      const b = instanceBound(type);
      assert.ok(b, `${type}: no bound`);
      assert.ok(b.vcpus >= vcpus && b.memoryGiB >= gib, `${type}: bound ${b.vcpus} vCPUs / ${b.memoryGiB} GiB is below ${vcpus} / ${gib}`);
    }
  });

  it("a type whose name does not tell (bare metal, an unknown family) gives no bound, and nothing is refused for its cluster", () => {
    for (const t of ["m5.metal", "mac1.metal", "q9.large"]) assert.equal(instanceBound(t), undefined, t);
    const stack = loadProject({ projectDir: tempProject({ "Pulumi.dev.yaml": devWith((s) => s.replace("[t3.large]", "[m5.metal]")) }), stack: "dev" }).stack;
    assert.equal(clusterBound(stack.clusters[0]), undefined);
    assert.deepEqual(checkQuotaCapacity(stack, "Pulumi.dev.yaml", [tenantFrom({ ...minimalTenant("app-a"), quota: { cpu: "5000", memory: "100Ti" } })]), []);
  });

  it("a quota above the largest cluster of the stage is refused, a quota within it is not, and an existing cluster turns the check off", () => {
    const { stack } = loadProject({ projectDir: ROOT, stack: "prod" });
    assert.deepEqual(stack.clusters.map((c) => clusterBound(c)), ["prod-euw1", "prod-use1"].map((cluster) => ({ cluster, vcpus: 36, memoryGiB: 144, nodes: "9 × m6i.xlarge" })));
    const t = (cpu: string, memory: string) => tenantFrom({ ...minimalTenant("app-a"), quota: { cpu, memory } });
    assert.deepEqual(checkQuotaCapacity(stack, "Pulumi.prod.yaml", [t("36", "144Gi")]), []);
    assert.deepEqual(checkQuotaCapacity(stack, "Pulumi.prod.yaml", [t("37", "145Gi")]).map(formatProblem), [
      'tenants/app-a.yaml: quota.cpu ("37"): is more CPU than any cluster of stage prod can ever hold (prod-euw1: at most 36 vCPUs with 9 × m6i.xlarge nodes); lower it, or raise the node groups\' maxSize in Pulumi.prod.yaml',
      'tenants/app-a.yaml: quota.memory ("145Gi"): is more memory than any cluster of stage prod can ever hold (prod-euw1: at most 144Gi with 9 × m6i.xlarge nodes); lower it, or raise the node groups\' maxSize in Pulumi.prod.yaml',
    ]);
    const withExisting = { ...stack, clusters: [...stack.clusters, { name: "lab", existing: { context: "kind-lab" } }] };
    assert.deepEqual(checkQuotaCapacity(withExisting, "Pulumi.prod.yaml", [t("37", "145Gi")]), []);
  });
});

/**
 * Hostile input. Every input here is as large as a file may be (or shaped to explode), so a
 * validator that is super-linear cannot finish: a quadratic pass over 256 KiB is ~10^10 steps, an
 * exponential one never ends, and an expanded alias bomb would need ~10^9 nodes. The assertions are
 * on what is reported; a regression shows as this suite's timeout or an out-of-memory crash, not as
 * a measured time.
 */
describe("hostile input cannot hang the plan or grow memory without end", () => {
  const N = MAX_FILE_BYTES;

  /** Every regular expression in the tenant and stack schemas (walked through zod's definitions). */
  function schemaPatterns(schema: z.ZodType): RegExp[] {
    const found = new Set<RegExp>();
    const seen = new Set<unknown>();
    const visit = (node: unknown): void => {
      if (!node || typeof node !== "object" || seen.has(node)) return;
      seen.add(node);
      const def = (node as { _zod?: { def?: Record<string, unknown> } })._zod?.def;
      if (!def) return;
      if (def.pattern instanceof RegExp) found.add(def.pattern);
      for (const v of Object.values(def)) {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === "object" && !(v instanceof RegExp)) {
          if ((v as { _zod?: unknown })._zod) visit(v);
          else Object.values(v).forEach(visit);
        }
      }
    };
    visit(schema);
    return [...found];
  }

  it("no validator regex backtracks on long adversarial strings built from its own characters", () => {
    const patterns = [...schemaPatterns(tenantSchema), ...schemaPatterns(stackSchema)];
    assert.ok(patterns.length >= 15, `found only ${patterns.length} patterns in the schemas`);
    for (const re of patterns) {
      const own = [...new Set(re.source.replace(/\\[dswDSW]|\\./g, "").replace(/[\^$()[\]{}?*+|]/g, ""))].slice(0, 12);
      const alphabet = [...new Set([...own, "a", "0", "-", ".", "/", ":", " "])];
      const pumps = [...alphabet, ...alphabet.flatMap((a) => ["a", "."].map((b) => a + b))];
      for (const pump of pumps) {
        for (const tail of ["", "!"]) re.test(pump.repeat(Math.floor(N / 16 / pump.length)) + tail);
      }
    }
  });

  it("every string field of a tenant file, given a value of hundreds of kilobytes, is refused at once", () => {
    const long = `${"a-".repeat(N / 4)}!`;
    const fields: Record<string, unknown>[] = [
      { name: long }, { namespace: long }, { owners: [long] }, { stages: [long] },
      { source: { repository: long } }, { source: { repository: "acme/app-a", branch: long } }, { source: { repository: "acme/app-a", path: long } },
      { source: { repository: "acme/app-a", interval: `${"1".repeat(N / 2)}` } }, { quota: { cpu: `${"1".repeat(N / 2)}x`, memory: "1Gi" } },
      { helmRepositories: [{ name: "x", url: `https://${"a@".repeat(N / 4)}` }] },
      { imageAutomation: { path: "./", images: [{ name: "w", image: `${"a/".repeat(N / 4)}!`, policy: { semver: long } }] } },
      { notifications: { slack: { channel: `http${"s:/".repeat(N / 6)}` } } },
    ];
    for (const change of fields) {
      const text = stringify({ ...minimalTenant("app-a"), ...change }, { lineWidth: 0 });
      const lines = loadTenantFiles({ "app-a.yaml": text }).lines;
      assert.ok(lines.length >= 1, `accepted: ${Object.keys(change)[0]}`);
    }
  });

  it("a regular expression or semver range as large as a file allows is judged in linear time", () => {
    assert.equal(compileGoRegex(`${"(a|aa)*".repeat(N / 64)}$`).ok, true);
    assert.match(mastermindsRangeError(`${">=1.0.0 ".repeat(N / 8)}`) ?? "", /longer than 512 bytes/);
    assert.match(mastermindsRangeError(`${"1.".repeat(200)}x`) ?? "", /not a constraint/);
  });

  it("a billion-laughs alias bomb is refused without being expanded, whatever the anchors are named", () => {
    for (const name of ["a", "ä", "x-1"]) {
      const levels = Array.from({ length: 10 }, (_, i) => `l${i}: &${name}${i} [${Array.from({ length: 10 }, () => (i === 0 ? "lol" : `*${name}${i - 1}`)).join(", ")}]`);
      assert.deepEqual(parseYamlMapping(`${levels.join("\n")}\n`, "f.yaml").problems.map(formatProblem), ["f.yaml: uses YAML anchors or aliases (&name / *name); write the values out so a reviewer sees them"]);
    }
  });

  it("nesting deeper than any real field is one problem, in flow or block style, however deep", () => {
    const deep = `${MAX_NESTING + 1} levels`;
    for (const depth of [MAX_NESTING + 1, 1000, 20_000]) {
      const flow = `a: ${"[".repeat(depth)}${"]".repeat(depth)}\n`;
      const lines = parseYamlMapping(flow, "f.yaml").problems.map(formatProblem);
      assert.equal(lines.length, 1, `${depth}: ${lines.join("\n")}`);
      assert.match(lines[0], /nests values (more than|too deeply)/, deep);
    }
    const block = Array.from({ length: 700 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    assert.equal(parseYamlMapping(`${block} 1\n`, "f.yaml").problems.length, 1);
  });

  it("a file of tens of thousands of syntax errors, or of keys as long as YAML allows, is one problem", () => {
    const errors = parseYamlMapping("a: [\n".repeat(N / 12), "f.yaml").problems.map(formatProblem);
    assert.deepEqual(errors, ["f.yaml: line 2, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]"]);
    const longKey = `${"k".repeat(1000)}${" ".repeat(N / 2 - 2000)}x: 1\n`;
    assert.equal(parseYamlMapping(longKey + longKey, "f.yaml").problems.length, 1);
  });

  it("hundreds of unknown fields with the longest names YAML allows are reported without comparing them to every known field", () => {
    const dir = tempDir("tenants");
    const keys = Array.from({ length: 200 }, (_, i) => `${String(i).padStart(4, "0")}${"q".repeat(1000)}: 1\n`).join("");
    fs.writeFileSync(path.join(dir, "app-a.yaml"), `${stringify(minimalTenant("app-a"))}${keys}`);
    const lines = loadTenants(dir, CHECK_CONTEXT, "tenants").problems.map(formatProblem);
    assert.equal(lines.length, 200);
    for (const l of lines) assert.match(l, /: unknown field; allowed fields here: /);
  });
});

describe("names that are also Object.prototype members", () => {
  it("a tenant or cluster named constructor, toString or __proto__ is a name, not an object member", () => {
    const objects = (owner: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    ${TENANT_LABEL}: ${owner}\n`;
    const manifests = manifestsFrom([{
      type: FLEET_COMMIT_TYPE, name: "fleet", urn: "urn:x", custom: true, dependsOn: [],
      inputs: { files: {
        "tenants/constructor/toString/objects.yaml": "kind: A\n",
        "tenants/constructor/constructor/objects.yaml": "kind: B\n",
        "clusters/constructor/x.yaml": objects("hasOwnProperty"),
        "clusters/__proto__/x.yaml": objects("__proto__"),
      } },
    }]);
    assert.deepEqual(Object.keys(manifests).sort(), ["__proto__", "constructor"]);
    assert.deepEqual(Object.keys(manifests.constructor).sort(), ["constructor", "hasOwnProperty", "toString"]);
    assert.equal(manifests.constructor.toString, "kind: A\n");
    assert.match(Object.getOwnPropertyDescriptor(manifests, "__proto__")!.value.__proto__, /kind: ConfigMap/);
  });

  it("a valid tenant named constructor loads", () => {
    const { lines, tenants } = loadTenantFiles({ "constructor.yaml": stringify(minimalTenant("constructor")), "tostring.yaml": stringify(minimalTenant("tostring")) });
    assert.deepEqual(lines, []);
    assert.equal(tenants.length, 2);
  });
});

describe("list sizes", () => {
  it("every list of a tenant file is capped, and the message names the limit", () => {
    const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
    const cases: [string, unknown, string][] = [
      ["ecr", many(20000, (i) => `r${i}`), `ecr: lists 20000 ECR repositories; a tenant may list at most ${TENANT_LIST_LIMITS.ecr}`],
      ["owners", many(21, (i) => `team-${i}`), `owners: lists 21 owners; a tenant may list at most ${TENANT_LIST_LIMITS.owners}`],
      ["stages", many(20000, () => "dev"), `stages: lists 20000 stages; a tenant may list at most ${TENANT_LIST_LIMITS.stages}`],
      ["hosts", many(51, (i) => `h${i}.acme.example`), `hosts: lists 51 hosts; a tenant may list at most ${TENANT_LIST_LIMITS.hosts}`],
      ["helmRepositories", many(51, (i) => ({ name: `r${i}`, url: "https://charts.example.com" })), `helmRepositories: lists 51 Helm repositories; a tenant may list at most ${TENANT_LIST_LIMITS.helmRepositories}`],
    ];
    for (const [field, value, expected] of cases) {
      const started = Date.now();
      const { lines } = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), [field]: value }) });
      assert.equal(lines.length, 1, lines.slice(0, 3).join("\n"));
      assert.ok(lines[0].includes(expected), lines[0]);
      assert.ok(Date.now() - started < 5000, `${field} took ${Date.now() - started} ms`);
    }
    const { lines } = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), source: { repository: "acme/app-a", sharedWith: many(21, (i) => `t${i}`) } }) });
    assert.ok(lines.some((l) => l.includes(`source.sharedWith: lists 21 tenants; a tenant may list at most ${TENANT_LIST_LIMITS.sharedWith}`)), lines.join("\n"));
  });

  it("a stage, owner or host listed twice, and a tenant sharing with itself, are refused", () => {
    const { lines } = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), stages: ["dev", "dev"], owners: ["team-a", "team-a"], source: { repository: "acme/app-a", sharedWith: ["app-a"] } }) });
    assert.deepEqual(lines, [
      'tenants/app-a.yaml: stages[1] ("dev"): is also stages[0]; list it once',
      'tenants/app-a.yaml: owners[1] ("team-a"): is also owners[0]; list it once',
      'tenants/app-a.yaml: source.sharedWith[0] ("app-a"): is this tenant itself; list the other tenants that use the same repository',
    ]);
  });
});

describe("branch names by git check-ref-format --branch", () => {
  it("a leading '-', HEAD and more than 255 characters are refused with the rule and a fix", () => {
    const branch = (b: string) => loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), source: { repository: "acme/app-a", branch: b } }) }).lines;
    assert.deepEqual(branch("-main"), ['tenants/app-a.yaml: source.branch ("-main"): starts with "-", which git refuses for a branch name (git check-ref-format --branch: it would read as an option); remove the leading "-"']);
    assert.deepEqual(branch("HEAD"), ['tenants/app-a.yaml: source.branch ("HEAD"): is HEAD, which git reserves for the current commit and refuses as a branch name; name the branch itself, e.g. "main"']);
    const long = branch("a".repeat(3000));
    assert.equal(long.length, 1);
    assert.match(long[0], /^tenants\/app-a\.yaml: source\.branch \("a{60}…", 3000 characters\): is longer than 255 characters/);
    for (const ok of ["main", "release/1.2", "a".repeat(255), "feature-HEAD", "head"]) assert.deepEqual(branch(ok), [], ok);
  });
});

describe("YAML a tenant or stack file may not use", () => {
  it("a __proto__ key anywhere is refused at its line and column", () => {
    const text = `${stringify(minimalTenant("app-a"))}overrides:\n  __proto__: { quota: { cpu: "999", memory: 1Gi } }\n`;
    assert.deepEqual(parseYamlMapping(text, "app-a.yaml").problems.map(formatProblem), [
      'app-a.yaml: line 10, column 3: has a key "__proto__", which no tenant or stack file has and JavaScript would read as the object\'s prototype; remove it',
    ]);
  });

  it("custom and binary tags are refused at their line and column; tags that only restate the type are not", () => {
    const lines = parseYamlMapping("name: !vault app-a\nquota: { memory: !!binary MWdp }\nx: !!str 1.30\n", "f.yaml").problems.map(formatProblem);
    assert.deepEqual(lines, [
      "f.yaml: line 1, column 14: uses the YAML tag !vault, which would change how the value is read (or be dropped silently); tenant and stack files hold plain values: remove the tag",
      "f.yaml: line 2, column 27: uses the YAML tag !!binary, which would change how the value is read (or be dropped silently); tenant and stack files hold plain values: remove the tag (write the text itself)",
    ]);
  });
});

describe("add-on namespaces, memory amounts, lookalike characters and a stack file that did not load", () => {
  it("a tenant named after an add-on namespace is refused; so is Sealed Secrets in one", () => {
    assertOne(loadTenantFiles({ "external-dns.yaml": stringify(minimalTenant("external-dns")) }).lines, /^tenants\/external-dns\.yaml: name \("external-dns"\): is reserved for the platform \(.*external-dns/);
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": `${shippedDev}  platform:sealedSecrets:\n    namespace: external-dns\n`.replace(/  platform:sealedSecrets:\n    chartVersion: "2.18.1"\n    controllerVersion: "0.36.0"\n/, "") }), stack: "dev" });
    assertOne(lines, /^Pulumi\.dev\.yaml: platform:sealedSecrets\.namespace \("external-dns"\): is the namespace of a shared add-on/);
  });

  it("memory in milli-bytes or below 1Mi is refused with the amount meant; an infinite number is named as such", () => {
    const quota = (memory: string | number, extra: Record<string, unknown> = {}) => loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), quota: { cpu: "1", memory, ...extra } }) }).lines;
    assert.deepEqual(quota("512m"), ['tenants/app-a.yaml: quota.memory ("512m"): is in thousandths of a byte (the suffix m is milli); did you mean "512Mi"?']);
    assert.deepEqual(quota(4), ['tenants/app-a.yaml: quota.memory (4): is less than 1Mi (4 bytes), too little memory or storage for anything; write a unit: did you mean "4Gi"?']);
    assert.deepEqual(quota("1Mi"), []);
    const pods = loadTenantFiles({ "app-a.yaml": `${stringify(minimalTenant("app-a")).replace('memory: 1Gi', 'memory: 1Gi\n  pods: 1e400')}` }).lines;
    assert.deepEqual(pods, ["tenants/app-a.yaml: quota.pods (Infinity): must be a number, not a number too large to hold (YAML reads it as infinity)"]);
  });

  it("a name or stage with a Cyrillic lookalike or a zero-width space names the character", () => {
    const stage = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), stages: ["d\u0435v"] }) }).lines;
    assertProblem(stage, 'tenants/app-a.yaml: stages[0] ("d\u0435v"): is not a known stage (it contains U+0435, "\u0435"');
    const namespace = loadTenantFiles({ "app-a.yaml": stringify({ ...minimalTenant("app-a"), namespace: "app-a\u200b" }) }).lines;
    assertProblem(namespace, "tenants/app-a.yaml: namespace (", "it contains U+200B, an invisible character at position 6");
  });

  it("a stack file that is empty adds no 'not a known stage' problem to every tenant", () => {
    const lines = projectProblems({ projectDir: tempProject({ "Pulumi.dev.yaml": "", "tenants/app-a.yaml": stringify({ ...minimalTenant("app-a"), stages: ["dev"] }) }), stack: "dev" });
    assert.deepEqual(lines, ["Pulumi.dev.yaml: is empty; a tenant or stack file holds one YAML mapping"]);
  });
});

function assertOne(lines: string[], pattern: RegExp): void {
  assert.equal(lines.length, 1, lines.join("\n"));
  assert.match(lines[0], pattern);
}

function assertProblem(lines: string[], prefix: string, ...fragments: string[]): void {
  assert.ok(lines.some((l) => l.startsWith(prefix) && fragments.every((f) => l.includes(f))), `no ${prefix} ${fragments.join(" ")} in\n${lines.join("\n")}`);
}
