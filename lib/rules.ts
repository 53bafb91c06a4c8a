import { z } from "zod";
import { credentialsIn } from "./issues";

/**
 * Field rules shared by the tenant and stack schemas. Each carries the message a user sees, written
 * as "what is wrong; what would be right", because the message is the product's error interface.
 */

/**
 * A string that must not hold a credential (checked before its other rules, which then do not run):
 * refused as a secret, so the value is never repeated. `fix` says what to write instead.
 */
export function withoutCredentials(fix: string, abort = true) {
  return z.string().superRefine((v, ctx) => {
    const kind = credentialsIn(v);
    if (kind) ctx.addIssue({ code: "custom", params: { secret: true }, continue: !abort, message: `holds credentials (${kind}), and every team can read this file; ${fix}, and rotate them: they are in Git history` });
  });
}

/**
 * A list of at most `max` entries of a tenant or stack file (their lists are short; thousands of
 * entries are a mistake, and each could become resources); the message names the count and the limit.
 */
export const capped = <T extends z.ZodType>(element: T, max: number, what: string, whose: "tenant" | "stack", advice = "") =>
  z.array(element).max(max, { error: (iss) => `lists ${Array.isArray(iss.input) ? iss.input.length : "too many"} ${what}; a ${whose} may list at most ${max}${advice}` });

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = z
  .string()
  .max(63, { error: "is longer than 63 characters; Kubernetes names are at most 63" })
  .regex(DNS1123_LABEL, {
    error: (iss) => `is not a DNS-1123 label${nonAscii(String(iss.input))}; use lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. "app-a")`,
  });

/**
 * Names a character outside ASCII that a name holds: a Cyrillic "е" or a zero-width space looks like
 * nothing wrong in an editor, so the message points at it.
 */
export function nonAscii(v: string): string {
  const c = [...v].find((ch) => ch.charCodeAt(0) > 0x7e || ch.charCodeAt(0) < 0x20);
  if (c === undefined) return "";
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  const invisible = /[\u200B-\u200F\u2060\uFEFF\u00AD]/.test(c) || c.charCodeAt(0) < 0x20;
  return ` (it contains ${code}, ${invisible ? "an invisible character" : `"${c}", a character outside ASCII that may look like a Latin letter`} at position ${[...v].indexOf(c) + 1}; retype the name)`;
}

/** A Kubernetes resource quantity such as `500m`, `2`, `4Gi` (signed, as the API server parses it). */
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;

/** Suggests the binary suffix people usually mean when they write `4GB` or `512mb`. */
function quantityHint(value: string): string {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtpe])i?b?$/i.exec(value.trim());
  if (m) return `; did you mean "${m[1]}${m[2].toUpperCase()}i"?`;
  return '; use a number with an optional suffix such as "500m", "2", "512Mi" or "4Gi"';
}

export function quantityValue(q: string): number {
  const m = /^([+-]?)([\d.]+)(.*)$/.exec(q);
  if (!m) return NaN;
  const sign = m[1] === "-" ? -1 : 1;
  const units: Record<string, number> = {
    "": 1, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
  };
  const unit = m[3];
  const factor = units[unit] ?? (/^[eE][+-]?\d+$/.test(unit) ? 10 ** Number(unit.slice(1)) : NaN);
  return sign * Number(m[2]) * factor;
}

/**
 * A positive Kubernetes quantity. YAML numbers (`cpu: 2`) are accepted and kept as strings,
 * because that is what people naturally write and what the API server accepts.
 */
export const positiveQuantity = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .superRefine((v, ctx) => {
    if (!QUANTITY.test(v)) {
      ctx.addIssue({ code: "custom", message: `not a Kubernetes quantity${quantityHint(v)}` });
    } else if (!(quantityValue(v) > 0)) {
      ctx.addIssue({ code: "custom", message: `must be greater than zero` });
    }
  });

/**
 * An amount of memory or storage: a positive quantity of at least 1Mi. `512m` is 0.512 bytes (m is
 * milli), and a bare `4` is four bytes: both are a unit forgotten or mistyped, not a real amount.
 */
export const memoryQuantity = positiveQuantity.superRefine((v, ctx) => {
  if (!QUANTITY.test(v) || !(quantityValue(v) > 0)) return; // reported by positiveQuantity
  const n = /^[+]?([\d.]+)/.exec(v)?.[1] ?? v;
  if (/m$/.test(v)) ctx.addIssue({ code: "custom", message: `is in thousandths of a byte (the suffix m is milli); did you mean "${n}Mi"?` });
  else if (quantityValue(v) < 2 ** 20) ctx.addIssue({ code: "custom", message: `is less than 1Mi (${quantityValue(v)} bytes), too little memory or storage for anything; write a unit: did you mean "${n}${/^[a-zA-Z]*$/.test(v.slice(n.length)) && quantityValue(v) < 64 ? "Gi" : "Mi"}"?` });
});

const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration such as `1h30m` or `90s`. */
export function durationSeconds(d: string): number {
  return [...d.matchAll(/([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit], 0);
}

/** Reconcile intervals Flux is given: at least 10s (a tighter loop hammers the Git host and the API server), at most 24h. */
export const INTERVAL_BOUNDS = { minSeconds: 10, maxSeconds: 24 * 3600 };

/** A Kubernetes quantity that may be zero (a quota that allows none of something). */
export const nonNegativeQuantity = z
  .union([z.string(), z.number()])
  .transform((v) => String(v))
  .superRefine((v, ctx) => {
    if (!QUANTITY.test(v)) ctx.addIssue({ code: "custom", message: `not a Kubernetes quantity${quantityHint(v)}` });
    else if (quantityValue(v) < 0) ctx.addIssue({ code: "custom", message: "must not be negative" });
  });

/** A Go duration as Flux accepts it (`30s`, `5m`, `1h30m`), within sane bounds for a reconcile interval. */
export const fluxDuration = z.string().superRefine((v, ctx) => {
  if (!GO_DURATION.test(v)) {
    ctx.addIssue({ code: "custom", message: "not a Flux duration; use a number and a unit such as \"30s\", \"5m\" or \"1h\"" });
    return;
  }
  const s = durationSeconds(v);
  if (s < INTERVAL_BOUNDS.minSeconds) ctx.addIssue({ code: "custom", message: `is shorter than ${INTERVAL_BOUNDS.minSeconds}s; Flux would poll the Git host and the API server without pause; use e.g. "1m" (and webhooks for speed)` });
  else if (s > INTERVAL_BOUNDS.maxSeconds) ctx.addIssue({ code: "custom", message: "is longer than 24h; drift would go uncorrected for days; use at most \"24h\"" });
});

export const githubRepository = withoutCredentials("write the repository as \"owner/name\" (the platform gives Flux a deploy key of its own)").regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, {
  error: "not a GitHub repository; write it as \"owner/name\", e.g. \"acme/eks-gitops-app-a\"",
}).refine((r) => !/\.git$/i.test(r), { error: "ends in .git; write the repository as GitHub names it, without .git" })
  .refine((r) => ![".", ".."].includes(r.split("/")[1] ?? ""), { error: "is not a repository name GitHub allows (\".\" and \"..\" are reserved)" });

/**
 * A branch name by git's ref rules (git check-ref-format): no `..`, `@{`, `//`, control characters,
 * spaces or `~^:?*[\\`; no component starting with `.` or ending in `.lock`; not ending in `/` or `.`.
 * Written as the short name: Flux and GitHub add `refs/heads/` themselves.
 */
export const gitBranch = z
  .string()
  .min(1)
  .max(255, { error: "is longer than 255 characters, more than git and GitHub accept for a branch name; use a short name such as \"release/1.2\"", abort: true })
  .refine((b) => !b.startsWith("-"), { error: "starts with \"-\", which git refuses for a branch name (git check-ref-format --branch: it would read as an option); remove the leading \"-\"" })
  .refine((b) => b !== "HEAD", { error: "is HEAD, which git reserves for the current commit and refuses as a branch name; name the branch itself, e.g. \"main\"" })
  .refine((b) => !b.startsWith("refs/"), { error: "is a full ref; write the branch's short name, e.g. \"main\" instead of \"refs/heads/main\"" })
  .refine((b) => /^[A-Za-z0-9._\/-]+$/.test(b) && !b.includes("..") && !b.includes("//") && !b.startsWith("/") && !/[/.]$/.test(b)
    && b.split("/").every((c) => !c.startsWith(".") && !c.endsWith(".lock")) && b !== "@", {
    error: "is not a branch name git allows (letters, digits, \".\", \"_\", \"-\" and \"/\"; no \"..\", \"//\", leading \"/\" or \".\", trailing \"/\" or \".\", or \".lock\" components); e.g. \"release/1.2\"",
  });

/** A relative path inside a repository, as Flux Kustomizations and automations take it. */
export const repoPath = z.string().regex(/^\.?\/?[A-Za-z0-9._{}\/-]*$/, {
  error: "not a repository path; use a relative path such as \"./overlays/{stage}\"",
}).refine((p) => !p.split("/").includes(".."), { error: "must stay inside the repository (no \"..\")" })
  .refine((p) => p.replace(/\{stage\}/g, "").match(/[{}]/) === null, { error: "has a placeholder other than {stage}, which would be used literally; {stage} is the only one" });

const HOST_LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";

/** A DNS host name (at least two labels), as Ingress hosts and webhook receivers need. */
export const hostName = z.string().max(253, { error: "is longer than 253 characters, the most a DNS name may have", abort: true })
  .regex(new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})+$`), {
    error: "not a host name; write the bare host, without scheme or path, e.g. \"flux-webhook.example.com\"",
  });

/** A host a tenant may serve: a host name, `*.` for its subdomains, `{stage}` as one label. */
export const hostPattern = z.string().max(253, { error: "is longer than 253 characters, the most a DNS name may have", abort: true })
  .regex(new RegExp(`^(?:\\*\\.)?(?:${HOST_LABEL}|\\{stage\\})(?:\\.(?:${HOST_LABEL}|\\{stage\\}))+$`), {
    error: "not a host name; write e.g. \"app-a.{stage}.acme.example\" or \"*.app-a.acme.example\" (lower case, no scheme or path)",
  });

export const podSecurityLevel = z.enum(["privileged", "baseline", "restricted"]);
