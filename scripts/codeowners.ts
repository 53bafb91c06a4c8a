/**
 * Writes `.github/CODEOWNERS` from the tenant files' `owners:` (see lib/codeowners.ts), or with
 * `--check` only compares: exit 1, with the lines that differ and the command that fixes it, when
 * the committed file is not what the tenant files generate. CI runs the check on every pull request.
 *
 *   npm run codeowners              # regenerate
 *   npm run codeowners -- --check   # exit 1 if out of date
 *
 * Exit codes: 0 written or up to date, 1 stale (--check) or invalid configuration or tenant files,
 * 2 usage.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { CODEOWNERS_COMMAND, CODEOWNERS_FILE, projectCodeowners } from "../lib/codeowners";
import { isValidationError } from "../lib/errors";

export const PROJECT_DIR = path.resolve(__dirname, "..");
const USAGE = `usage: ${CODEOWNERS_COMMAND} [-- --check]`;
/** Enough to see what changed; the rest is counted. */
const MAX_DIFF_LINES = 40;

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

const consoleIo: Io = { out: (s) => console.log(s), err: (s) => console.error(s) };

export function main(argv: string[], io: Io = consoleIo, projectDir = PROJECT_DIR): number {
  let check: boolean;
  try {
    const { values } = parseArgs({ args: argv, options: { check: { type: "boolean", default: false }, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false });
    if (values.help) {
      io.out(USAGE);
      return 0;
    }
    check = values.check!;
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let generated: { text: string; tenants: number };
  try {
    generated = projectCodeowners(projectDir);
  } catch (e) {
    if (!isValidationError(e)) throw e;
    io.err(`${e.message}\n${CODEOWNERS_FILE} is generated from valid stack and tenant files only; fix the problems above first`);
    return 1;
  }
  const full = path.join(projectDir, CODEOWNERS_FILE);
  // A checkout with CRLF line endings holds the same file.
  const committed = fs.existsSync(full) ? fs.readFileSync(full, "utf8").replace(/\r\n/g, "\n") : undefined;
  if (committed === generated.text) {
    io.out(`${CODEOWNERS_FILE} is up to date (${generated.tenants} tenant files)`);
    return 0;
  }
  if (check) {
    io.err(committed === undefined
      ? `${CODEOWNERS_FILE} does not exist; generate it with: ${CODEOWNERS_COMMAND} (and commit it)`
      : [
          `${CODEOWNERS_FILE} is out of date with the tenant files' owners; regenerate it with: ${CODEOWNERS_COMMAND} (and commit it)`,
          `--- ${CODEOWNERS_FILE} (committed)`,
          `+++ ${CODEOWNERS_FILE} (generated from the tenant files)`,
          ...capped(lineDiff(committed.split("\n"), generated.text.split("\n"))),
        ].join("\n"));
    return 1;
  }
  fs.mkdirSync(path.dirname(full), { recursive: true });
  fs.writeFileSync(full, generated.text);
  io.out(`wrote ${CODEOWNERS_FILE} (${generated.tenants} tenant files)`);
  return 0;
}

/**
 * The lines only in `a` (`-`) and only in `b` (`+`), in file order, from a longest common
 * subsequence; no context lines, since every line of CODEOWNERS stands alone.
 */
export function lineDiff(a: string[], b: string[]): string[] {
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      i++;
      j++;
    } else if (j >= b.length || (i < a.length && lcs[i + 1][j] >= lcs[i][j + 1])) out.push(`-${a[i++]}`);
    else out.push(`+${b[j++]}`);
  }
  return out;
}

function capped(lines: string[]): string[] {
  return lines.length <= MAX_DIFF_LINES ? lines : [...lines.slice(0, MAX_DIFF_LINES), `… and ${lines.length - MAX_DIFF_LINES} more changed lines`];
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
