import * as fs from "node:fs";
import { parseAllDocuments } from "yaml";
import type { Problem } from "./errors";

/** Tenant and stack files are small; anything bigger is a mistake (or an attack on the parser). */
export const MAX_FILE_BYTES = 256 * 1024;

export interface ParsedYaml {
  value?: unknown;
  problems: Problem[];
}

/**
 * Reads one YAML file that must hold exactly one mapping. Every way a file can be unusable
 * (not UTF-8, too big, a syntax error, duplicate keys, anchors, several documents, a list) becomes
 * a problem naming the file and line, never an exception.
 */
export function readYamlMapping(path: string, displayName: string): ParsedYaml {
  const bytes = fs.readFileSync(path);
  const problem = (message: string): ParsedYaml => ({ problems: [{ file: displayName, field: "", message }] });
  if (bytes.length > MAX_FILE_BYTES) return problem(`is ${bytes.length} bytes; files are limited to ${MAX_FILE_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return problem("is not valid UTF-8 text; save it as UTF-8");
  }
  return parseYamlMapping(text, displayName);
}

export function parseYamlMapping(text: string, displayName: string): ParsedYaml {
  const problem = (message: string): ParsedYaml => ({ problems: [{ file: displayName, field: "", message }] });
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs) || docs.length === 0 || docs.every((d) => d.contents === null)) {
    return problem("is empty; a tenant or stack file holds one YAML mapping");
  }
  if (docs.length > 1) return problem(`holds ${docs.length} YAML documents; keep exactly one (remove the extra '---')`);
  const doc = docs[0];
  if (doc.errors.length > 0) {
    // A tab used for indentation derails the parser for the rest of the file; its follow-on errors
    // ("Nested mappings are not allowed…") describe the parser's confusion, not the file.
    const tabs = doc.errors.filter((e) => e.code === "TAB_AS_INDENT");
    return {
      problems: (tabs.length > 0 ? tabs : doc.errors).map((e) => ({
        file: displayName,
        field: "",
        message: `${e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}: ` : ""}${yamlHint(e.code, e.message.split("\n")[0], keyAt(text, e.linePos?.[0]))}`,
      })),
    };
  }
  if (/(^|[\s\[{,])[&*][A-Za-z0-9_-]+/.test(text) && hasAlias(doc)) {
    return problem("uses YAML anchors or aliases (&name / *name); write the values out so a reviewer sees them");
  }
  const value: unknown = doc.toJS({ maxAliasCount: 0 });
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return problem(`holds ${Array.isArray(value) ? "a list" : `a ${value === null ? "null" : typeof value}`}; it must be a mapping of fields such as "name:"`);
  }
  return { value, problems: [] };
}

function hasAlias(doc: ReturnType<typeof parseAllDocuments>[number]): boolean {
  let found = false;
  const visit = (node: unknown): void => {
    if (found || node === null || typeof node !== "object") return;
    const n = node as { anchor?: string; source?: string; items?: unknown[]; key?: unknown; value?: unknown };
    if (n.anchor || (node.constructor?.name === "Alias")) found = true;
    n.items?.forEach(visit);
    visit(n.key);
    visit(n.value);
  };
  visit(doc.contents);
  return found;
}

/** The mapping key written at a position, so a duplicate-key problem can name the field. */
function keyAt(text: string, pos: { line: number; col: number } | undefined): string | undefined {
  if (!pos) return undefined;
  const rest = (text.split(/\r?\n/)[pos.line - 1] ?? "").slice(pos.col - 1);
  // A plain key ends at ": " (Pulumi keys such as `platform:stage` hold a colon themselves).
  const m = /^(?:"([^"]*)"|'([^']*)'|([^\s#'"{}\[\],][^#{}\[\],]*?))\s*:(?:\s|$)/.exec(rest);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function yamlHint(code: string, raw: string, key?: string): string {
  const message = raw.replace(/ at line \d+, column \d+:?$/, "");
  if (code === "DUPLICATE_KEY") return `${message}; ${key ? `"${key}" appears twice, but ` : ""}a field may appear only once`;
  if (code === "TAB_AS_INDENT") return `${message}; indent with spaces`;
  return message;
}
