import { redactCredentials } from "./issues";

/**
 * One thing wrong with a user's input: which file, which field, and what to do about it.
 * Problems are collected, never thrown one at a time, so a user sees every mistake at once.
 */
export interface Problem {
  /** Path of the file as the user knows it, relative to the project (e.g. `tenants/app-a.yaml`). */
  file: string;
  /** Dotted field path inside the file (`quota.memory`, `helmRepositories[0].url`); empty for the whole file. */
  field: string;
  /** The offending value as found in the file, when there is one. */
  value?: unknown;
  /** What is wrong and how to fix it, including the offending value where there is one. */
  message: string;
}

/** `tenants/app-a.yaml: quota.memory ("4GB"): not a Kubernetes quantity; did you mean "4Gi"?` */
export function formatProblem(p: Problem): string {
  const value = p.value === undefined || typeof p.value === "object" ? "" : ` (${shown(p.value)})`;
  // Whatever rule made the problem, a credential in the value or the message is never repeated.
  return redactCredentials(p.field ? `${p.file}: ${p.field}${value}: ${p.message}` : `${p.file}: ${p.message}`);
}

/** A value as quoted in a message; a long one is cut (its length said), so one line stays readable. */
function shown(value: unknown): string {
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  if (typeof value !== "string" || value.length <= MAX_SHOWN) return JSON.stringify(value);
  // Redacted before it is cut: a cut could leave a credential without the "@" that marks it.
  return `${JSON.stringify(redactCredentials(value).slice(0, 60)).slice(0, -1)}…", ${value.length} characters`;
}

const MAX_SHOWN = 200;

/**
 * Raised when configuration or tenant files are invalid. It carries every problem found, and its
 * message is the user-facing report: one line per problem, no stack trace needed to act on it.
 */
export class ValidationError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      `${problems.length} problem${problems.length === 1 ? "" : "s"} in the platform configuration; nothing was changed:\n` +
        problems.map((p) => `  - ${formatProblem(p)}`).join("\n"),
    );
    this.name = "ValidationError";
  }
}

export function isValidationError(e: unknown): e is ValidationError {
  return e instanceof Error && e.name === "ValidationError" && Array.isArray((e as ValidationError).problems);
}
