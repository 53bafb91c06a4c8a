/**
 * Entry point of `npm run deploy -- <command> [options]`: argv in, files and an exit code out.
 * `main` takes all I/O as `CliIo` so tests run it whole against fakes; only the bottom of this
 * file touches the real process, and it loads the program and the Automation API lazily so that
 * importing `main` never needs either.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDeployArgs, stacksInProject, USAGE, DeployOptions } from "./args";
import { deploy, exitCodeFor, DeployOutcome, DriverDeps } from "./driver";
import { CLI_MISSING_MESSAGE } from "./failures";
import { renderJson, renderMarkdown, statusLine } from "./summary";

/** Exit codes CI keys on: 0 ok, 1 failed or needs a human, 2 the command line itself is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIo extends Omit<DriverDeps, "validate" | "knownTenants"> {
  cwd: string;
  validate(projectDir: string, stack: string): string[];
  /** File names in `dir`; empty when it does not exist. */
  listDir(dir: string): string[];
  /** Writes a file, creating its directory. */
  writeFile(file: string, content: string): void;
}

export async function main(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseDeployArgs(argv, io.cwd);
  if (parsed.kind === "help") {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (parsed.kind === "usage-error") return usageError(io, parsed.message);
  const options = parsed.options;
  const stacks = options.all ? stacksInProject(io.listDir(options.projectDir)) : options.stacks;
  if (stacks.length === 0) return usageError(io, `--all: no Pulumi.<stack>.yaml in ${options.projectDir}`);
  const outcome = await deploy({ ...options, stacks }, driverDeps(options, io));
  return report(outcome, options, io);
}

function usageError(io: CliIo, message: string): number {
  io.stderr(`error: ${message}`);
  io.stderr(USAGE);
  return EXIT.usage;
}

function driverDeps(options: DeployOptions, io: CliIo): DriverDeps {
  return {
    ...io,
    validate: (stack) => io.validate(options.projectDir, stack),
    // Tenant files are named after their tenant, which splits `<tenant>-<cluster>` names.
    knownTenants: io
      .listDir(path.join(options.projectDir, "tenants"))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => f.replace(/\.ya?ml$/, "")),
  };
}

function report(outcome: DeployOutcome, options: DeployOptions, io: CliIo): number {
  switch (outcome.kind) {
    case "invalid":
      outcome.problems.forEach((p) => io.stderr(p));
      return EXIT.failed;
    case "cli-missing":
      io.stderr(CLI_MISSING_MESSAGE);
      return EXIT.failed;
    case "ran": {
      const code = exitCodeFor(outcome.results);
      io.writeFile(options.summaryFile, renderMarkdown(options.command, outcome.results, code));
      io.writeFile(options.jsonFile, renderJson(options.command, outcome.results, code));
      outcome.results.forEach((r) => io.stdout(statusLine(r)));
      io.stdout(`summary: ${options.summaryFile}; result: ${options.jsonFile}`);
      return code;
    }
  }
}

/** The real process: lazy imports keep the program and the Automation API out of `main`'s tests. */
async function productionIo(): Promise<CliIo> {
  const { validateStack } = await import("./validate");
  const { openLocalStack, pulumiOnPath } = await import("./workspace");
  return {
    cwd: process.cwd(),
    validate: validateStack,
    openStack: openLocalStack,
    cliAvailable: () => pulumiOnPath(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    listDir: (dir) => (fs.existsSync(dir) ? fs.readdirSync(dir) : []),
    writeFile: (file, content) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, content);
    },
  };
}

if (require.main === module) {
  productionIo()
    .then((io) => main(process.argv.slice(2), io))
    .then((code) => (process.exitCode = code))
    .catch((e: unknown) => {
      // Only bugs reach here (user mistakes are reported above), so keep the trace.
      process.stderr.write(`deploy: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.failed;
    });
}
