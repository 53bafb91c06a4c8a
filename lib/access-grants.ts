/** A deploy key as far as access goes: the repository it opens, and whether it may push. */
export interface DeployKeyAccess {
  repository: string;
  write: boolean;
}

/**
 * What keys added or changed by an update open that the keys before it did not: a repository no
 * key reached (its commits now reach the clusters), or push access to a repository that had none.
 * One rule for the CI summary (engine events) and the offline plan's `--diff` (two plans).
 */
export function accessGrantsOf<K extends DeployKeyAccess>(before: DeployKeyAccess[], after: K[]): { kind: "new repository" | "write key"; key: K }[] {
  const grants: { kind: "new repository" | "write key"; key: K }[] = [];
  for (const key of after) {
    if (!before.some((b) => b.repository === key.repository)) grants.push({ kind: "new repository", key });
    if (key.write && !before.some((b) => b.repository === key.repository && b.write)) grants.push({ kind: "write key", key });
  }
  return grants;
}
