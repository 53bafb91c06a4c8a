/**
 * Command-line parsing for the deploy driver. Pure (no fs, no process) so every usage rule,
 * above all the destroy guard, is tested without running anything.
 */
import * as path from "node:path";
import { parseArgs } from "node:util";

export type Command = "preview" | "up" | "destroy";

const COMMANDS: readonly Command[] = ["preview", "up", "destroy"];

/** What one invocation asked for, with defaults applied and paths made absolute. */
export interface DeployOptions {
  command: Command;
  /** Stack names from `--stack`, de-duplicated in the order given; empty when `all`. */
  stacks: string[];
  /** `--all`: every `Pulumi.<name>.yaml` in the project directory, resolved by `stacksInProject`. */
  all: boolean;
  /** Refresh state from the cloud before `up`, so drift is not silently overwritten. */
  refresh: boolean;
  /** Number of stacks run at once. @default 2 */
  concurrency: number;
  /** Retries of a stack locked by another update. @default 3 */
  retries: number;
  /** Markdown summary for the PR comment. @default "out/deploy-summary.md" */
  summaryFile: string;
  /** Machine-readable result. @default "out/deploy-result.json" */
  jsonFile: string;
  /** The Pulumi project directory. @default the current directory */
  projectDir: string;
}

export type ParseResult =
  | { kind: "run"; options: DeployOptions }
  | { kind: "help" }
  | { kind: "usage-error"; message: string };

export const USAGE = [
  "usage: npm run deploy -- <preview|up|destroy> (--stack NAME ... | --all) [options]",
  "  --stack NAME              stack to run (repeatable)",
  "  --all                     every Pulumi.<name>.yaml in the project directory",
  "  --refresh                 refresh before up",
  "  --confirm-destroy NAME    required for destroy; must equal the one stack named",
  "  --concurrency N           stacks run at once (default 2)",
  "  --retries N               retries when a stack is locked (default 3)",
  "  --summary FILE            Markdown summary (default out/deploy-summary.md)",
  "  --json FILE               JSON result (default out/deploy-result.json)",
  "  --project DIR             Pulumi project directory (default: current directory)",
].join("\n");

const OPTION_SPEC = {
  stack: { type: "string", multiple: true },
  all: { type: "boolean" },
  refresh: { type: "boolean" },
  "confirm-destroy": { type: "string" },
  concurrency: { type: "string" },
  retries: { type: "string" },
  summary: { type: "string" },
  json: { type: "string" },
  project: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type RawValues = ReturnType<typeof parseRaw>["values"];

/** Thrown inside this module only, so each rule reads as a single guard line. */
class UsageError extends Error {}

/** Parses `argv` (without node and script). Relative paths are resolved against `cwd`. */
export function parseDeployArgs(argv: string[], cwd: string): ParseResult {
  try {
    const { values, positionals } = parseRaw(argv);
    if (values.help) return { kind: "help" };
    return { kind: "run", options: toOptions(values, positionals, cwd) };
  } catch (e) {
    return { kind: "usage-error", message: e instanceof Error ? e.message : String(e) };
  }
}

function parseRaw(argv: string[]) {
  return parseArgs({ args: argv, options: OPTION_SPEC, allowPositionals: true, strict: true });
}

function toOptions(values: RawValues, positionals: string[], cwd: string): DeployOptions {
  const command = commandOf(positionals);
  const stacks = [...new Set(values.stack ?? [])];
  const all = values.all === true;
  checkSelection(command, stacks, all);
  checkRefresh(command, values.refresh === true);
  checkConfirmDestroy(command, stacks, values["confirm-destroy"]);
  return {
    command,
    stacks,
    all,
    refresh: values.refresh === true,
    concurrency: integerOption("--concurrency", values.concurrency, 2, 1),
    retries: integerOption("--retries", values.retries, 3, 0),
    summaryFile: path.resolve(cwd, values.summary ?? "out/deploy-summary.md"),
    jsonFile: path.resolve(cwd, values.json ?? "out/deploy-result.json"),
    projectDir: path.resolve(cwd, values.project ?? "."),
  };
}

function commandOf(positionals: string[]): Command {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one command (${COMMANDS.join(", ")})`);
  const command = COMMANDS.find((c) => c === positionals[0]);
  if (!command) throw new UsageError(`unknown command "${positionals[0]}" (expected ${COMMANDS.join(", ")})`);
  return command;
}

function checkSelection(command: Command, stacks: string[], all: boolean): void {
  if (all && stacks.length > 0) throw new UsageError("use either --stack or --all, not both");
  if (!all && stacks.length === 0) throw new UsageError("choose stacks with --stack NAME or --all");
  // Destroying "every stack" must never be one flag away.
  if (command === "destroy" && (all || stacks.length !== 1)) {
    throw new UsageError("destroy takes exactly one --stack (never --all)");
  }
}

function checkRefresh(command: Command, refresh: boolean): void {
  // A refresh writes state, so it is only run where a write is already intended.
  if (refresh && command !== "up") throw new UsageError("--refresh only applies to up");
}

/** The destroy guard: the operator must type the stack name a second time. */
function checkConfirmDestroy(command: Command, stacks: string[], confirm: string | undefined): void {
  if (command !== "destroy") {
    if (confirm !== undefined) throw new UsageError("--confirm-destroy only applies to destroy");
    return;
  }
  const stack = stacks[0];
  if (confirm === undefined) {
    throw new UsageError(`refusing to destroy stack ${stack}: pass --confirm-destroy ${stack}`);
  }
  if (confirm !== stack) {
    throw new UsageError(
      `refusing to destroy stack ${stack}: --confirm-destroy "${confirm}" does not match the stack name`,
    );
  }
}

function integerOption(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new UsageError(`${flag} must be an integer >= ${min} (got "${raw}")`);
  }
  return Number(raw);
}

/** Stack names declared in a project directory listing (`Pulumi.<name>.yaml`), sorted. */
export function stacksInProject(fileNames: string[]): string[] {
  return fileNames
    .map((f) => /^Pulumi\.([^.]+)\.yaml$/.exec(f)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}
