/**
 * Recognising the Automation API's errors without importing it, so the driver (and its tests)
 * stay independent of the CLI. The API sets `name` on every error class it throws, which is what
 * these checks rely on; `instanceof` would break across duplicated copies of the package.
 */

/** One line users see when the CLI is missing; they can act on it without reading a stack trace. */
export const CLI_MISSING_MESSAGE =
  'pulumi CLI not found: install it with "curl -fsSL https://get.pulumi.com | sh" ' +
  "(or see https://www.pulumi.com/docs/install/) and put it on PATH";

/** The stack is locked by another update (Pulumi Cloud 409 or a self-managed backend lock). */
export function isLockConflict(e: unknown): boolean {
  return e instanceof Error && e.name === "ConcurrentUpdateError";
}

/**
 * The API could not spawn `pulumi` at all. It reports that as a generic `CommandError` whose
 * message carries execa's "spawn pulumi ENOENT", so the spawn failure is the only reliable sign.
 */
export function isCliMissing(e: unknown): boolean {
  return e instanceof Error && /spawn \S*pulumi\S* ENOENT/.test(e.message);
}

/**
 * A short, human description of a failed operation. A `CommandError` message dumps code, stdout,
 * stderr and a nested error; what a reviewer needs is the `error:` lines from stderr.
 */
export function describeError(e: unknown): string {
  const stderr = commandStderr(e);
  if (stderr !== undefined) {
    const errorLines = stderr.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^error:/i.test(l));
    if (errorLines.length > 0) return errorLines.join("\n");
    if (stderr.trim().length > 0) return stderr.trim();
  }
  return e instanceof Error ? e.message : String(e);
}

/** The CLI's stderr, which the API keeps on a (typed-private) `commandResult` field. */
function commandStderr(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const result = (e as { commandResult?: { stderr?: unknown } }).commandResult;
  return typeof result?.stderr === "string" ? result.stderr : undefined;
}
