import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { isValidationError } from "../lib/errors";
import { loadProject } from "../lib/project";
import { diffPlans } from "./diff";
import { manifestsFrom } from "./manifests";
import { PROJECT_DIR, runProgram } from "./run";
import { summary } from "./summary";
import { fleetFilesFrom, planFile, writePlan } from "./write";

const USAGE = "usage: npm start -- [--stack dev] [--tenants DIR] [--out DIR] [--diff OLD_OUT_DIR] [--sealing-cert PEM]";

/**
 * The offline plan: runs the program under Pulumi's mock runtime and writes what `pulumi up`
 * would create. Exit 0 on success, 1 on invalid configuration or tenant files, 2 on usage errors.
 */
export async function main(argv: string[], io = { out: (s: string) => console.log(s), err: (s: string) => console.error(s) }): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        stack: { type: "string", default: "dev" },
        tenants: { type: "string" },
        out: { type: "string" },
        diff: { type: "string" },
        "sealing-cert": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  const stack = args.stack!;
  if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
    io.err(`--stack "${stack}" is not a stack name\n${USAGE}`);
    return 2;
  }
  if (args.diff && !fs.existsSync(path.join(args.diff, "plan.json"))) {
    io.err(`--diff ${args.diff}: no plan.json there; pass the --out folder of an earlier plan\n${USAGE}`);
    return 2;
  }
  let sealingCertPem: string | undefined;
  if (args["sealing-cert"]) {
    if (!fs.existsSync(args["sealing-cert"])) {
      io.err(`--sealing-cert ${args["sealing-cert"]}: file not found\n${USAGE}`);
      return 2;
    }
    sealingCertPem = fs.readFileSync(args["sealing-cert"], "utf8");
  }
  const out = path.resolve(args.out ?? path.join(PROJECT_DIR, "out", stack));
  const tenantsDir = args.tenants ? path.resolve(args.tenants) : undefined;
  try {
    // Same validation the program runs, first, so a mistake is reported before anything is built.
    const project = loadProject({ projectDir: PROJECT_DIR, stack, tenantsDir });
    // With --diff, the earlier plan stands in for the last update, so removing a tenant file
    // without decommissioning it is refused here exactly as `pulumi up` would refuse it.
    const previousOutputs = args.diff ? (JSON.parse(fs.readFileSync(path.join(args.diff, "plan.json"), "utf8")) as { outputs?: Record<string, unknown> }).outputs : undefined;
    const result = await runProgram({ stack, tenantsDir, sealingCertPem, previousOutputs, project });
    const plan = planFile(stack, result.registrations, result.outputs);
    writePlan(out, plan, manifestsFrom(result.registrations), fleetFilesFrom(result.registrations));
    io.out(summary(project, result.registrations, plan, path.relative(process.cwd(), out) || "."));
    if (args.diff) io.out(`\nChanges against ${args.diff}:\n${diffPlans(args.diff, out)}`);
    return 0;
  } catch (e) {
    if (isValidationError(e)) {
      io.err(e.message);
      return 1;
    }
    if (e instanceof Error && (e as { __pulumiRunError?: boolean }).__pulumiRunError) {
      io.err(e.message);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    // Exit once stdout has drained: exiting at once cuts a long summary short when it goes to a pipe.
    (code) => process.stdout.write("", () => process.exit(code)),
    (e) => {
      console.error(e);
      process.exit(3);
    },
  );
}


