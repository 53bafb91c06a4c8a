import * as fs from "node:fs";
import * as path from "node:path";
import type { Problem } from "./errors";
import { MAX_FILE_BYTES, tooBig } from "./yaml-file";

/**
 * What the tenants folder may hold. One rule, so that no tenant is ever skipped silently:
 *
 * - **Tenant files** are regular files named `<tenant>.yaml` (lower-case `.yaml`), directly in the
 *   folder, at most MAX_FILE_BYTES. Their size is checked before they are opened.
 * - **Ignored**, without a word: dotfiles and dot-folders (`.gitkeep`, `.yamllint.yaml`,
 *   `.#app-a.yaml` Emacs locks, `.app-a.yaml.swp` Vim swap files), editor and merge leftovers
 *   (`app-a.yaml~`, `#app-a.yaml#`, `*.swp`, `*.swo`, `*.bak`, `*.orig`, `*.rej`, `*.tmp`) and
 *   Markdown (`README.md`).
 * - **Refused**, naming the entry: anything else. Another spelling of the extension (`.yml`,
 *   `.YAML`) gets "rename it to <x>.yaml"; a subfolder is not read (tenant files sit directly in
 *   the folder); a symbolic link is refused (the file reviewed in a pull request must be the file
 *   applied, and a link may point outside the folder); named pipes, sockets and devices are never
 *   opened (a pipe would block the plan forever); any other file is not a tenant file.
 */
export interface TenantFileEntry {
  /** File name in the folder, e.g. `app-a.yaml`. */
  name: string;
  /** Full path to read. */
  full: string;
  /** Path as users see it, e.g. `tenants/app-a.yaml`. */
  display: string;
}

export const TENANT_FILE_EXTENSION = ".yaml";

const EDITOR_LEFTOVER = /(~|\.(swp|swo|swx|bak|orig|rej|tmp))$/i;

/** Entries the folder may hold besides tenant files and that are never read. */
export function isIgnoredEntry(name: string): boolean {
  return name.startsWith(".") || EDITOR_LEFTOVER.test(name) || (name.startsWith("#") && name.endsWith("#")) || /\.md$/i.test(name);
}

/** The tenant files of `dir` and a problem for every entry that breaks the folder's rule. */
export function listTenantFiles(dir: string, displayDir: string): { files: TenantFileEntry[]; problems: Problem[] } {
  const files: TenantFileEntry[] = [];
  const problems: Problem[] = [];
  for (const name of fs.readdirSync(dir).sort()) {
    if (isIgnoredEntry(name)) continue;
    const full = path.join(dir, name);
    const display = path.posix.join(displayDir, name);
    const refuse = (message: string) => problems.push({ file: display, field: "", message });
    let st: fs.Stats;
    try {
      st = fs.lstatSync(full);
    } catch (e) {
      refuse(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); remove it or fix its permissions`);
      continue;
    }
    if (st.isSymbolicLink()) refuse("is a symbolic link; tenant files must be regular files in the tenants folder (the file a pull request shows must be the file applied); copy the file instead of linking it");
    else if (st.isDirectory()) refuse(`is a folder, and tenant files sit directly in ${displayDir}/ (subfolders are not read); move its tenant files up into ${displayDir}/, or move the folder out`);
    else if (!st.isFile()) refuse(`is not a regular file (${kind(st)}) and is never opened; remove it`);
    else if (name.endsWith(TENANT_FILE_EXTENSION)) {
      if (st.size > MAX_FILE_BYTES) refuse(tooBig(st.size));
      else files.push({ name, full, display });
    } else {
      const yamlLike = /^(.+)\.(ya?ml|json)$/i.exec(name);
      refuse(yamlLike
        ? `tenant files are named <tenant>${TENANT_FILE_EXTENSION} (lower case); rename it to ${yamlLike[1]}${TENANT_FILE_EXTENSION}`
        : `is not a tenant file (tenant files are named <tenant>${TENANT_FILE_EXTENSION}; dotfiles, editor backups and Markdown are ignored); rename it to <tenant>${TENANT_FILE_EXTENSION} if it is one, or move it out of ${displayDir}/`);
    }
  }
  return { files, problems };
}

function kind(st: fs.Stats): string {
  if (st.isFIFO()) return "a named pipe";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return "not a file";
}
