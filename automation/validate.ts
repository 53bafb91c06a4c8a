/**
 * The default validator: the program's own config and tenant checks, run before Pulumi is
 * touched. It is the only driver module that imports the program, so the driver and its tests
 * depend on `validate(stack) => string[]` and never on how the program loads its files.
 */
import { loadProject } from "../lib/project";
import { formatProblem, isValidationError } from "../lib/errors";

/** Formatted problems for one stack's config and the tenant files; empty when valid. */
export function validateStack(projectDir: string, stack: string): string[] {
  try {
    loadProject({ projectDir, stack });
    return [];
  } catch (e) {
    // Anything else is a bug in the loader, not a user mistake: let it surface with its trace.
    if (isValidationError(e)) return e.problems.map(formatProblem);
    throw e;
  }
}
