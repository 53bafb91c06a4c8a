import { pathKey } from "./yaml-file";
import type { z } from "zod";
import type { Problem } from "./errors";

/**
 * Turns zod issues into problems a person can act on: the field path, the value found there, and a
 * sentence saying what is wrong and what would be right. Zod's own wording ("Invalid input") is
 * replaced wherever the schema did not already give a message. `sources` (from the YAML file, see
 * `ParsedYaml.sources`) holds how numbers and booleans were written, so a hint quotes `1.30`, not
 * the 1.3 YAML read.
 */
export function problemsFromIssues(issues: z.core.$ZodIssue[], file: string, input: unknown, schema: z.ZodType, prefix: string[] = [], sources?: Map<string, string>): Problem[] {
  return issues.flatMap((issue) => problemsFromIssue(issue, file, input, schema, prefix, sources));
}

function problemsFromIssue(issue: z.core.$ZodIssue, file: string, input: unknown, schema: z.ZodType, prefix: string[], sources?: Map<string, string>): Problem[] {
  const path = [...prefix, ...issue.path.map(String)];
  // A rule that found a credential marks its issue secret: the value is then never repeated.
  const secret = (issue as { params?: { secret?: boolean } }).params?.secret === true;
  const value = secret ? undefined : valueAt(input, path);
  const at = (message: string, p = path): Problem => ({ file, field: fieldPath(p), value: p === path ? value : undefined, message });
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => {
        const known = objectKeysAt(schema, path);
        const guess = closest(key, known);
        const hint = guess ? `did you mean "${guess}"?` : `allowed fields here: ${known.join(", ")}`;
        return { file, field: fieldPath([...path, key]), message: `unknown field; ${hint}` };
      });
    case "invalid_union": {
      const branch = bestBranch(issue.errors);
      if (branch) return problemsFromIssues(branch, file, input, schema, path, sources);
      if (issue.message !== "Invalid input") return [at(issue.message)];
      if (value === undefined) return [at(`is required${describeAt(schema, path)}`)];
      const expected = scalarAlternatives(issue.errors);
      return [at(expected ? `must be ${expected.map(article).join(" or ")}, not ${kindOf(value)}` : "does not match any allowed form")];
    }
    case "invalid_type":
      if (value === undefined) return [at(`is required${describeAt(schema, path)}`)];
      return [at(issue.message.startsWith("Invalid input") ? `must be ${article(issue.expected)}, not ${kindOf(value)}${quoteHint(issue.expected, value, sources?.get(pathKey(path)))}` : issue.message)];
    case "invalid_value":
      return [at(`must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`)];
    case "too_small":
      if (!issue.message.startsWith("Too small")) return [at(issue.message)];
      if (issue.origin === "array") return [at(`must have at least ${issue.minimum} item(s)`)];
      if (issue.origin === "string") return [at(Number(issue.minimum) === 1 ? "must not be empty" : `must be at least ${issue.minimum} characters long`)];
      // `positive()` is a minimum of 0 that excludes 0: "must be at least 0" would reject the value it names.
      return [at(issue.inclusive === false ? `must be greater than ${issue.minimum}` : `must be at least ${issue.minimum}`)];
    case "too_big":
      if (!issue.message.startsWith("Too big")) return [at(issue.message)];
      if (issue.origin === "array") return [at(`must have at most ${issue.maximum} item(s)`)];
      if (issue.origin === "string") return [at(`must be at most ${issue.maximum} characters long`)];
      return [at(issue.inclusive === false ? `must be less than ${issue.maximum}` : `must be at most ${issue.maximum}`)];
    case "invalid_format":
      if (!issue.message.startsWith("Invalid")) return [at(issue.message)];
      return [at(issue.format === "regex" && issue.pattern ? `does not have the expected form (${issue.pattern})` : `is not a valid ${issue.format === "email" ? "e-mail address" : issue.format}`)];
    default:
      return [at(issue.message)];
  }
}

/**
 * In a union, report against the branch the value's shape chose: the only branch whose type fits
 * (a scalar or an object), or else the only object branch that knows every field the value has
 * (an EKS cluster with a mistyped `kubernetesVersion` is still an EKS cluster, not "neither").
 */
function bestBranch(branches: z.core.$ZodIssue[][]): z.core.$ZodIssue[] | undefined {
  const shaped = branches.filter((issues) => !issues.some((i) => i.code === "invalid_type" && i.path.length === 0));
  if (shaped.length === 1) return shaped[0];
  const fitting = shaped.filter((issues) => !issues.some((i) => i.code === "unrecognized_keys" && i.path.length === 0));
  return fitting.length === 1 ? fitting[0] : undefined;
}

/** The types a union of scalars accepts, when the value has none of them (e.g. ["string", "number"]). */
function scalarAlternatives(branches: z.core.$ZodIssue[][]): string[] | undefined {
  const expected = branches.map((issues) => (issues.length === 1 && issues[0].code === "invalid_type" && issues[0].path.length === 0 ? issues[0].expected : undefined));
  return expected.every((e): e is string => e !== undefined) ? [...new Set(expected)] : undefined;
}

export function fieldPath(path: (string | number)[]): string {
  return path.reduce<string>((acc, p) => (/^\d+$/.test(String(p)) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : String(p)), "");
}

export function valueAt(input: unknown, path: (string | number)[]): unknown {
  let cur = input;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[p as string];
  }
  return cur;
}

/**
 * YAML reads an unquoted `1.30` as the number 1.3 and `yes`/`on` (YAML 1.1) or `true` as booleans:
 * where text was meant, the fix is quotes.
 */
function quoteHint(expected: string, value: unknown, written?: string): string {
  if (expected !== "string" || (typeof value !== "number" && typeof value !== "boolean")) return "";
  const as = written !== undefined ? `, ${written} as ${String(value)}` : typeof value === "number" ? ", and 1.30 as 1.3" : "";
  return `; quote it, e.g. "${written ?? String(value)}" (unquoted, YAML reads it as a ${typeof value}${as})`;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "number" && !Number.isFinite(v)) return "a number too large to hold (YAML reads it as infinity)";
  return `a ${typeof v} (${JSON.stringify(v)})`;
}

function article(expected: string): string {
  const names: Record<string, string> = { object: "a mapping", array: "a list", string: "a string", number: "a number", boolean: "true or false" };
  return names[expected] ?? expected;
}

type Def = { type: string; shape?: Record<string, z.ZodType>; innerType?: z.ZodType; element?: z.ZodType; valueType?: z.ZodType; options?: z.ZodType[]; in?: z.ZodType; description?: string };
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The schemas a value at `path` may be checked against (several where a union allows several forms). */
function schemasAt(schema: z.ZodType, path: string[]): z.ZodType[] {
  const def = defOf(schema);
  const inner = def.innerType ?? def.in;
  if (inner) return schemasAt(inner, path);
  if (def.type === "union") return def.options!.flatMap((o) => schemasAt(o, path));
  if (path.length === 0) return [schema];
  const [head, ...rest] = path;
  if (def.type === "object") return def.shape![head] ? schemasAt(def.shape![head], rest) : [];
  if (def.type === "array") return schemasAt(def.element!, rest);
  if (def.type === "record") return schemasAt(def.valueType!, rest);
  return [];
}

function objectKeysAt(schema: z.ZodType, path: string[]): string[] {
  const keys = schemasAt(schema, path).flatMap((s) => {
    const def = defOf(s);
    return def.type === "object" ? Object.keys(def.shape!) : [];
  });
  return [...new Set(keys)].filter((k) => !k.startsWith("$"));
}

function describeAt(schema: z.ZodType, path: string[]): string {
  const d = descriptionAt(schema, path);
  return d ? ` (${d.replace(/; @default.*$/, "")})` : "";
}

/**
 * The description of the field at `path`. It may sit on a wrapper (a quantity is a described
 * transform around a union), so it is looked up on the way down rather than on what `schemasAt`
 * unwraps to.
 */
function descriptionAt(schema: z.ZodType, path: string[]): string | undefined {
  const own = (schema as { description?: string }).description;
  if (path.length === 0 && own) return own;
  const def = defOf(schema);
  const inner = def.innerType ?? def.in;
  if (inner) return descriptionAt(inner, path);
  if (def.type === "union") return def.options!.map((o) => descriptionAt(o, path)).find(Boolean);
  if (path.length === 0) return undefined;
  const [head, ...rest] = path;
  if (def.type === "object") return def.shape![head] ? descriptionAt(def.shape![head], rest) : undefined;
  if (def.type === "array") return descriptionAt(def.element!, rest);
  if (def.type === "record") return descriptionAt(def.valueType!, rest);
  return undefined;
}

/** The known name within two edits of `word` (a typo such as `qouta` for `quota`), if any. */
export function closest(word: string, candidates: string[]): string | undefined {
  // Names here are short; a long word is no typo of one, and comparing it would cost length² time.
  if (word.length > 100) return undefined;
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d <= Math.max(2, Math.floor(c.length / 4)) && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

/** Damerau–Levenshtein distance (optimal string alignment): a swap such as "qouta" counts as one edit. */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

// ---- Credentials in values ----------------------------------------------------------------------

export const CREDENTIALS_REMOVED = "[credentials removed]";

/**
 * Credentials people paste where a plain value belongs: URL user info (`https://user:pass@host`,
 * `https://x-access-token:<token>@github.com`; `git@` is SSH's user name, not a secret), token-like
 * query parameters (`?access_token=`, `&password=`), and tokens whose prefix says what they are
 * (Slack `xoxb-`/`xoxp-`, GitHub `ghp_`/`github_pat_`, GitLab `glpat-`, a Slack webhook path).
 */
const CREDENTIALS: { kind: string; pattern: RegExp; replace: string }[] = [
  { kind: "user:password@ in the URL", pattern: /\b([a-z][a-z0-9+.-]{0,31}:\/\/)(?!git@[^\s/@:]{1,255}(?:[:/]|$))[^\s/@?#"]{1,512}@/gi, replace: `$1${CREDENTIALS_REMOVED}@` },
  { kind: "a token in the URL's query", pattern: /([?&;](?:access_token|private_token|auth_token|token|password|passwd|pwd|secret|client_secret|api_key|apikey|auth|sig|signature)=)[^&;#\s"]*/gi, replace: `$1${CREDENTIALS_REMOVED}` },
  { kind: "a Slack token", pattern: /\bxox[abposre]-[A-Za-z0-9-]+/g, replace: CREDENTIALS_REMOVED },
  { kind: "a Slack webhook URL", pattern: /(hooks\.slack\.com\/(?:services|workflows|triggers)\/)[^\s"]+/gi, replace: `$1${CREDENTIALS_REMOVED}` },
  { kind: "an access token", pattern: /\b(?:gh[pousr]_|github_pat_|glpat-)[A-Za-z0-9_-]{8,}/g, replace: CREDENTIALS_REMOVED },
];

/** What kind of credential `value` holds, if any (e.g. "user:password@ in the URL"). */
export function credentialsIn(value: string): string | undefined {
  return CREDENTIALS.find((c) => new RegExp(c.pattern.source, c.pattern.flags.replace("g", "")).test(value))?.kind;
}

/** `text` with every credential replaced by "[credentials removed]": no message ever repeats one. */
export function redactCredentials(text: string): string {
  return CREDENTIALS.reduce((t, c) => t.replace(c.pattern, c.replace), text);
}
