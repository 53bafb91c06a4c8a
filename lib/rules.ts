import { z } from "zod";

/**
 * Field rules shared by the tenant and stack schemas. Each carries the message a user sees, written
 * as "what is wrong; what would be right", because the message is the product's error interface.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const dnsLabel = z
  .string()
  .max(63, { error: "is longer than 63 characters; Kubernetes names are at most 63" })
  .regex(DNS1123_LABEL, {
    error: "is not a DNS-1123 label; use lower-case letters, digits and '-', starting and ending with a letter or digit (e.g. \"app-a\")",
  });

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

/** A Go duration as Flux accepts it (`30s`, `5m`, `1h30m`). */
export const fluxDuration = z.string().regex(/^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/, {
  error: "not a Flux duration; use a number and a unit such as \"30s\", \"5m\" or \"1h\"",
});

export const githubRepository = z.string().regex(/^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/, {
  error: "not a GitHub repository; write it as \"owner/name\", e.g. \"acme/eks-gitops-app-a\"",
});

export const gitBranch = z
  .string()
  .min(1)
  .regex(/^(?!\/)(?!.*\.\.)(?!.*\/\/)[A-Za-z0-9._\/-]+(?<![\/.])$/, {
    error: "not a valid Git branch name",
  });

/** A relative path inside a repository, as Flux Kustomizations and automations take it. */
export const repoPath = z.string().regex(/^\.?\/?[A-Za-z0-9._{}\/-]*$/, {
  error: "not a repository path; use a relative path such as \"./overlays/{stage}\"",
}).refine((p) => !p.split("/").includes(".."), { error: "must stay inside the repository (no \"..\")" });

export const podSecurityLevel = z.enum(["privileged", "baseline", "restricted"]);
