import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadProject } from "../lib/project";
import { formatProblem, isValidationError } from "../lib/errors";

const dev = fs.readFileSync("Pulumi.dev.yaml", "utf8");
const prod = fs.readFileSync("Pulumi.prod.yaml", "utf8");
const cases: Record<string, string> = {
  clusterz: dev.replace("platform:clusters:", "platform:clusterz:"),
  nofleet: dev.replace(/  platform:fleet:\n    repository: acme\/eks-gitops-fleet\n    branch: main\n/, ""),
  region: dev.replace("      region: eu-west-1", "      region: europe"),
  minmax: dev.replace("minSize: 1", "minSize: 5"),
  dupcluster: dev.replace("  platform:clusters:\n", "  platform:clusters:\n    - name: dev-euw1\n      existing: {context: kind}\n"),
  stage: dev.replace("platform:stage: dev", "platform:stage: Dev"),
  delivery: dev.replace("platform:delivery: gitops", "platform:delivery: push"),
  arn: dev.replace("arn:aws:iam::111122223333:role/platform-admin", "platform-admin"),
  noclusters: dev.replace(/  platform:clusters:[\s\S]*$/, "  platform:clusters: []\n"),
  host: dev.replace("receiverHost: flux-webhook.dev-euw1.dev.acme.example", "receiverHost: https://x"),
  az: dev.replace("availabilityZones: 2", "availabilityZones: 1"),
  cidr: dev.replace("10.10.0.0/16", "10.10.0.0/8"),
  kver: dev.replace('kubernetesVersion: "1.33"', "kubernetesVersion: 1.33"),
  instance: dev.replace("[t3.large]", "[large]"),
  interval: dev.replace('    operatorChartVersion: "0.33.0"', '    operatorChartVersion: "0.33.0"\n    syncInterval: 10 minutes'),
  nested: dev.replace("    branch: main\n  platform:flux", "    brnch: main\n  platform:flux"),
  neither: dev.replace(/    - name: dev-euw1\n/, "    - name: dev-euw1\n      foo: bar\n"),
  ssns: dev.replace('    chartVersion: "2.17.3"', '    chartVersion: "2.17.3"\n    namespace: Sealed'),
  secret: dev + "  platform:slackWebhook-app-a:\n    secure: AAA\n",
  notfound: "",
  log: dev.replace("availabilityZones: 2", "availabilityZones: 2\n      logTypes: [api, everything]"),
  node0: dev.replace("maxSize: 3", "maxSize: 0"),
  disk: dev.replace("maxSize: 3", "maxSize: 3\n          diskSizeGiB: 10"),
  fleetrepo: dev.replace("repository: acme/eks-gitops-fleet", "repository: fleet"),
  tabs: dev.replace("  platform:stage: dev", "\tplatform:stage: dev"),
};
for (const [k, v] of Object.entries(cases)) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "stk-"));
  fs.mkdirSync(path.join(d, "tenants"));
  if (k !== "notfound") fs.writeFileSync(path.join(d, "Pulumi.dev.yaml"), v);
  fs.writeFileSync(path.join(d, "Pulumi.prod.yaml"), prod);
  console.log("## " + k);
  try { loadProject({ projectDir: d, stack: "dev" }); console.log("   OK"); }
  catch (e) { if (isValidationError(e)) e.problems.forEach((p) => console.log("   " + formatProblem(p))); else console.log("   THROW", e); }
}
try { const p = loadProject({ projectDir: ".", stack: "dev" }); console.log("shipped dev ok", p.tenants.length, p.knownStages); } catch (e) { console.log(String(e)); }
try { const p = loadProject({ projectDir: ".", stack: "prod" }); console.log("shipped prod ok", p.tenants.length); } catch (e) { console.log(String(e)); }
