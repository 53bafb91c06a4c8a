import { RE2JS } from "re2js";

/**
 * Values Flux parses with Go libraries are checked here the way Go parses them, not the way
 * JavaScript would: a pattern JavaScript accepts (a lookbehind, a backreference) can still be one
 * Flux refuses, and node-semver's ranges are not Masterminds/semver's. Both checks run on RE2JS, a
 * port of the RE2 engine Go's regexp implements (same syntax, same `\s`, linear time on any input).
 *
 * `engines/gosyntax` answers the same questions with Go itself, and the real-engine suite holds the
 * two to agreement over a list of tricky values (`test/cluster/go-syntax.test.ts`).
 */

export type RegexVerdict =
  | { ok: true; groups: number; names: string[] }
  | { ok: false; reason: string; unsupported?: "lookahead" | "lookbehind" | "backreference" | "possessive" };

/** Compiles `pattern` as Go's `regexp.Compile` would (image-reflector-controller's filterTags.pattern). */
export function compileGoRegex(pattern: string): RegexVerdict {
  // Go allows two groups of one name (RE2JS does not): each repeat is renamed, then compiled again.
  const renamed = new Map<string, string>();
  let source = pattern;
  for (;;) {
    try {
      const re = RE2JS.compile(source);
      const names = Object.entries(re.namedGroups()).sort(([, a], [, b]) => a - b).map(([n]) => renamed.get(n) ?? n);
      return { ok: true, groups: re.groupCount(), names };
    } catch (e) {
      const reason = (e as Error).message.replace(/^error parsing regexp: /, "");
      const duplicate = /^duplicate capture group name: `(.*)`$/.exec(reason)?.[1];
      const at = duplicate === undefined ? -1 : lastGroupNamed(source, duplicate);
      if (at < 0 || duplicate === undefined) return { ok: false, reason, unsupported: unsupportedFeature(reason) };
      const fresh = `dup${renamed.size}_${"x".repeat(8)}`;
      renamed.set(fresh, duplicate);
      source = source.slice(0, at) + source.slice(at).replace(`<${duplicate}>`, `<${fresh}>`);
    }
  }
}

/** Where the last `(?P<name>` or `(?<name>` starts, or -1. */
function lastGroupNamed(source: string, name: string): number {
  return Math.max(source.lastIndexOf(`(?P<${name}>`), source.lastIndexOf(`(?<${name}>`));
}

/** The Perl/JavaScript feature RE2 rejected, read from the token its message quotes. */
function unsupportedFeature(reason: string): "lookahead" | "lookbehind" | "backreference" | "possessive" | undefined {
  if (/`\(\?[=!]/.test(reason)) return "lookahead";
  if (/`\(\?<[=!]/.test(reason)) return "lookbehind";
  if (/invalid escape sequence: `\\[1-9]/.test(reason)) return "backreference";
  if (/invalid nested repetition operator: `[*+?}]\+`/.test(reason)) return "possessive";
  return undefined;
}

/**
 * The references of a Go `Regexp.Expand` template (`$name`, `${name}`, `$1`; `$$` is a literal
 * dollar). Go takes a `$name` as long as it can (`$1x` is `${1x}`) and copies a `$` that starts no
 * name as text.
 */
export function expandReferences(template: string): string[] {
  const refs: string[] = [];
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== "$") continue;
    const rest = template.slice(i + 1);
    if (rest.startsWith("$")) {
      i++;
      continue;
    }
    const m = /^\{([A-Za-z0-9_]+)\}/.exec(rest) ?? /^([A-Za-z0-9_]+)/.exec(rest);
    if (!m) continue;
    refs.push(m[1]);
    i += m[0].length;
  }
  return refs;
}

// Masterminds/semver v3.5.0 constraints (what image-reflector-controller v1.2.4 of Flux 2.9 calls
// through semver.NewConstraint). Its grammar, restated:
//   - a "version-ish": optional v, one to three dot-separated parts each made of the characters
//     0-9 x X * and, by a quirk of the library's character class, `|`; then an optional
//     -prerelease and +build, dot-separated identifiers of [0-9A-Za-z-];
//   - an operator: none, =, !=, >, <, >=, =>, <=, =<, ~, ~>, ^;
//   - `A - B` (spaces required around the dash) is rewritten to `>= A, <= B` first;
//   - `||` separates alternatives (at most 32); inside one, constraints are separated by spaces or
//     a comma (which means AND, as a space does);
//   - each constraint must then name a version NewVersion accepts once x/*-parts are zeroed: parts
//     fit in 64 bits, numeric prerelease identifiers have no leading zero, nothing else is left.
// The whole range is at most 512 bytes and each version at most 256.

const PART = "[0-9|x|X|\\*]+";
const IDENTIFIERS = "[0-9A-Za-z\\-]+(?:\\.[0-9A-Za-z\\-]+)*";
/** Groups: 1 major, 2 `.minor`, 3 `.patch`, 4 `-prerelease`. */
const VERSIONISH = `v?(${PART})(\\.${PART})?(\\.${PART})?(-${IDENTIFIERS})?(?:\\+${IDENTIFIERS})?`;
/** Alternatives in the library's order (leftmost-first matching prefers earlier ones). */
const OPERATOR = ["=", "", "!=", ">", "<", ">=", "=>", "<=", "=<", "~", "~>", "\\^"].join("|");
const VERSIONISH_NO_GROUPS = VERSIONISH.replace(/\((?!\?:)/g, "(?:");

const hyphenRange = RE2JS.compile(`\\s*(${VERSIONISH_NO_GROUPS})\\s+-\\s+(${VERSIONISH_NO_GROUPS})\\s*`);
const CONSTRAINT = `(?:${OPERATOR})\\s*(?:${VERSIONISH_NO_GROUPS})`;
const conjunction = RE2JS.compile(`^\\s*${CONSTRAINT}\\s*(?:(?:\\s+|,\\s*)${CONSTRAINT}\\s*)*$`);
const findConstraint = RE2JS.compile(CONSTRAINT);
/** Groups: 1 the version-ish as written, 2 major, 3 `.minor`, 4 `.patch`, 5 `-prerelease`. */
const constraintParts = RE2JS.compile(`^\\s*(?:${OPERATOR})\\s*(${VERSIONISH})\\s*$`);
const looseVersion = RE2JS.compile(`^v?([0-9]+)(\\.[0-9]+)?(\\.[0-9]+)?(?:-(${IDENTIFIERS}))?(?:\\+${IDENTIFIERS})?$`);

const MAX_RANGE_BYTES = 512;
const MAX_ALTERNATIVES = 32;
const MAX_VERSION_BYTES = 256;
const UINT64_MAX = 2n ** 64n - 1n;

/** Why Masterminds/semver v3 would refuse `range`, or undefined when it accepts it. */
export function mastermindsRangeError(range: string): string | undefined {
  if (Buffer.byteLength(range) > MAX_RANGE_BYTES) return `longer than ${MAX_RANGE_BYTES} bytes`;
  const alternatives = rewriteHyphenRanges(range).split("||");
  if (alternatives.length > MAX_ALTERNATIVES) return `more than ${MAX_ALTERNATIVES} alternatives separated by ||`;
  for (const alt of alternatives) {
    if (!conjunction.matches(alt)) return `"${alt.trim()}" is not a constraint`;
    const m = findConstraint.matcher(alt);
    while (m.find()) {
      const error = constraintVersionError(m.group(0) ?? "");
      if (error) return error;
    }
  }
  return undefined;
}

/** `A - B` becomes `>= A, <= B `, each match replacing the first occurrence of its text, as the library does. */
function rewriteHyphenRanges(range: string): string {
  const found: { text: string; from: string; to: string }[] = [];
  const m = hyphenRange.matcher(range);
  while (m.find()) found.push({ text: m.group(0) ?? "", from: m.group(1) ?? "", to: m.group(2) ?? "" });
  return found.reduce((s, f) => s.replace(f.text, () => `>= ${f.from}, <= ${f.to} `), range);
}

const isWildcard = (part: string) => part === "x" || part === "X" || part === "*";

/** The version a single constraint compares with, as the library builds it, must parse. */
function constraintVersionError(constraint: string): string | undefined {
  const m = constraintParts.matcher(constraint);
  if (!m.find()) return `"${constraint.trim()}" is not a constraint`;
  const [written, major, minor, patch, pre] = [1, 2, 3, 4, 5].map((g) => m.group(g) ?? "");
  let version = written;
  if (isWildcard(major)) version = `0.0.0${pre}`;
  else if (minor === "" || isWildcard(minor.slice(1))) version = `${major}.0.0${pre}`;
  else if (patch === "" || isWildcard(patch.slice(1))) version = `${major}${minor}.0${pre}`;
  const error = versionError(version);
  return error ? `"${written}" is not a version (${error})` : undefined;
}

/** Masterminds' NewVersion (coercing, the default): why it refuses `v`, if it does. */
function versionError(v: string): string | undefined {
  if (Buffer.byteLength(v) > MAX_VERSION_BYTES) return "too long";
  const m = looseVersion.matcher(v);
  if (!m.find()) return "not a version";
  for (const g of [1, 2, 3]) {
    const digits = (m.group(g) ?? "").replace(/^\./, "");
    if (digits !== "" && BigInt(digits) > UINT64_MAX) return "a part does not fit in 64 bits";
  }
  const pre = m.group(4) ?? "";
  if (pre && pre.split(".").some((id) => /^[0-9]+$/.test(id) && id.length > 1 && id.startsWith("0"))) return "a numeric prerelease identifier starts with 0";
  return undefined;
}
