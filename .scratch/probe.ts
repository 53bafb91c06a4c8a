import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadTenants, SYSTEM_NAMESPACES } from "../lib/tenants";
import { formatProblem } from "../lib/errors";

const ok = `name: NAME
owners: [team-a]
source:
  repository: acme/app
quota:
  cpu: "1"
  memory: 1Gi
`;
const cases: Record<string, string | Buffer> = {
  qouta: `name: NAME\nowners: [team-a]\nsource: {repository: acme/app}\nqouta: {cpu: "1", memory: 1Gi}\n`,
  missing: `name: NAME\n`,
  upper: ok.replace("name: NAME", "name: App_A"),
  long: ok.replace("name: NAME", "name: " + "a".repeat(64)),
  mem4gb: ok.replace("1Gi", "4GB"),
  zero: ok.replace('"1"', '"0"'),
  neg: ok.replace('"1"', '"-1"'),
  podszero: ok + "  pods: 0\n",
  repo: ok.replace("acme/app", "just-a-name"),
  dur: ok.replace("  repository: acme/app", "  repository: acme/app\n  interval: 5 minutes"),
  stage: ok + "stages: [dev, qa]\n",
  ovr: ok + "stages: [dev]\noverrides:\n  prod:\n    quota: {cpu: '2', memory: 2Gi}\n",
  helm: ok + "helmRepositories:\n  - name: x\n    url: http://charts.example.com\n",
  empty: "",
  comments: "# just a comment\n",
  unparsable: "name: [unclosed\n",
  list: "- a\n- b\n",
  docs: ok + "---\n" + ok,
  dupkey: ok + "name: other\n",
  tabs: "name: NAME\nsource:\n\trepository: acme/app\n",
  anchor: ok.replace("quota:\n  cpu: \"1\"\n  memory: 1Gi\n", "quota: &q\n  cpu: \"1\"\n  memory: 1Gi\noverrides:\n  dev: {quota: *q}\n"),
  nonutf8: Buffer.concat([Buffer.from(ok), Buffer.from([0xff, 0xfe, 0x0a])]),
  huge: ok + "# " + "x".repeat(300 * 1024) + "\n",
  num: ok.replace("name: NAME", "name: 123"),
  reponum: ok.replace("repository: acme/app", "repository: 5"),
  semver: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      image: ghcr.io/acme/web\n      policy: {semver: 'latest'}\n",
  regex: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      image: ghcr.io/acme/web\n      policy: {numerical: {order: asc}}\n      filterTags: {pattern: '^main-(?P<ts>[0-9+'}\n",
  extract: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      image: ghcr.io/acme/web\n      policy: {numerical: {order: asc}}\n      filterTags: {pattern: '^main-(?P<ts>[0-9]+)', extract: '$build'}\n",
  neither: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      policy: {numerical: {order: asc}}\n",
  both: ok + "ecr: [web]\nimageAutomation:\n  path: ./k\n  images:\n    - name: web\n      image: ghcr.io/acme/web\n      ecr: web\n      policy: {numerical: {order: asc}}\n",
  ecrundecl: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      ecr: web\n      policy: {numerical: {order: asc}}\n",
  badpolicy: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      image: ghcr.io/acme/web\n      policy: {latest: true}\n",
  ecrbad: ok + "ecr: [{name: x, keepLast: 0}]\n",
  ecrnum: ok + "ecr: [5]\n",
  nullval: ok.replace("owners: [team-a]", "owners:"),
  ownersEmpty: ok.replace("owners: [team-a]", "owners: []"),
  pathdotdot: ok.replace("  repository: acme/app", "  repository: acme/app\n  path: ../x"),
  podsec: ok + "podSecurity: {enforce: strict}\n",
  webhookstr: ok.replace("  repository: acme/app", "  repository: acme/app\n  webhook: yes"),
  unknownNested: ok.replace("  repository: acme/app", "  repository: acme/app\n  brnch: main"),
  email: ok + "imageAutomation:\n  path: ./k\n  author: {name: bot, email: nope}\n  images:\n    - name: web\n      image: ghcr.io/acme/web\n      policy: {semver: '>=1.0.0'}\n",
  image: ok + "imageAutomation:\n  path: ./k\n  images:\n    - name: web\n      image: ghcr.io/acme/web:1.0\n      policy: {semver: '>=1.0.0'}\n",
  dupHelm: ok + "helmRepositories:\n  - {name: x, url: https://a.example}\n  - {name: x, url: https://b.example}\n",
  severity: ok + "notifications: {severity: warning}\n",
  reserved: ok.replace("name: NAME", "name: NAME\nnamespace: kube-system"),
  branch: ok.replace("  repository: acme/app", "  repository: acme/app\n  branch: feature..x"),
  quotaStr: ok.replace('cpu: "1"', "cpu: lots"),
  stagesNum: ok + "stages: dev\n",
  nested: ok.replace('memory: 1Gi', 'memory: {value: 1Gi}'),
  bool: ok.replace('cpu: "1"', "cpu: true"),
  unknownTop: ok + "foo: bar\n",
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "probe-"));
for (const [k, v] of Object.entries(cases)) {
  const d = path.join(dir, k); fs.mkdirSync(d);
  const name = k.toLowerCase();
  fs.writeFileSync(path.join(d, name + ".yaml"), typeof v === "string" ? v.replace(/NAME/g, name) : Buffer.from(v.toString("latin1").replace(/NAME/g, name), "latin1"));
  const r = loadTenants(d, { knownStages: ["dev", "prod"], reservedNamespaces: [...SYSTEM_NAMESPACES, "sealed-secrets", "ingress-nginx"] }, "tenants");
  console.log(`## ${k}`); r.problems.forEach((p) => console.log("   " + formatProblem(p)));
}
import { parseYamlMapping } from "../lib/yaml-file";
for (const t of ["a: 1\na: 2\n", "a: {b: 1, b: 2}\n", "x:\n  - name: a\n    name: b\n", "'q': 1\n\"q\": 2\n"]) console.log(parseYamlMapping(t, "f").problems.map(formatProblem));
