import * as fs from "node:fs";
import { isAlias, isCollection, isPair, isScalar, isSeq, parseAllDocuments } from "yaml";
import type { Problem } from "./errors";

/** Tenant and stack files are small; anything bigger is a mistake (or an attack on the parser). */
export const MAX_FILE_BYTES = 256 * 1024;

/**
 * The deepest nesting a tenant or stack file may have. The deepest real field is 7 levels down
 * (`config` → `platform:clusters[0].nodeGroups[0].instanceTypes[0]`); the parser, toJS and zod all
 * recurse, so a file nested thousands deep would exhaust the stack instead of being reported.
 */
export const MAX_NESTING = 32;

export const tooBig = (bytes: number) => `is ${bytes} bytes; files are limited to ${MAX_FILE_BYTES} bytes`;

type ParsedDocument = Extract<ReturnType<typeof parseAllDocuments>, unknown[]>[number];

export interface ParsedYaml {
  value?: unknown;
  problems: Problem[];
  /**
   * How numbers and booleans were written where YAML reads them differently (`1.30` read as 1.3),
   * by field path (`pathKey`), so a message can quote what the user wrote.
   */
  sources?: Map<string, string>;
}

/** The key of a field path in `ParsedYaml.sources`. */
export const pathKey = (path: readonly (string | number)[]) => path.map(String).join("\u0000");

/**
 * Reads one YAML file that must hold exactly one mapping. Every way a file can be unusable
 * (not a regular file, too big, not UTF-8, a syntax error, duplicate keys, anchors, nesting too
 * deep, several documents, a list) becomes a problem naming the file and line, never an exception.
 *
 * The file is opened without blocking (a named pipe would otherwise wait for a writer forever),
 * checked to be a regular file within the size limit before anything is read, and never read past
 * the limit (a file growing meanwhile cannot make it read more).
 */
export function readYamlMapping(path: string, displayName: string): ParsedYaml {
  const problem = (message: string): ParsedYaml => ({ problems: [{ file: displayName, field: "", message }] });
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (e) {
    return problem(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); check that it exists and is readable`);
  }
  let bytes: Buffer;
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return problem("is not a regular file (a folder, named pipe, socket or device); point to a YAML file");
    if (st.size > MAX_FILE_BYTES) return problem(tooBig(st.size));
    const buffer = Buffer.alloc(MAX_FILE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length;) {
      n = fs.readSync(fd, buffer, length, buffer.length - length, length);
      length += n;
    }
    if (length > MAX_FILE_BYTES) return problem(tooBig(Math.max(length, fs.fstatSync(fd).size)));
    bytes = buffer.subarray(0, length);
  } catch (e) {
    return problem(`cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    fs.closeSync(fd);
  }
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
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) return problem(tooBig(Buffer.byteLength(text)));
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    return problem(`could not be read as YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (!Array.isArray(docs) || docs.length === 0 || docs.every((d) => d.contents === null)) {
    return problem("is empty; a tenant or stack file holds one YAML mapping");
  }
  if (docs.length > 1) return problem(`holds ${docs.length} YAML documents; keep exactly one (remove the extra '---')`);
  const doc = docs[0];
  if (doc.errors.length > 0) return { problems: syntaxProblems(doc, text, displayName) };
  const shape = inspect(doc);
  if (shape.alias) return problem("uses YAML anchors or aliases (&name / *name); write the values out so a reviewer sees them");
  const at = (offset: number) => {
    const before = text.slice(0, offset).split(/\r?\n/);
    return `line ${before.length}, column ${before[before.length - 1].length + 1}`;
  };
  const marked: Problem[] = [
    ...shape.protoKeys.map((offset) => ({ file: displayName, field: "", message: `${at(offset)}: has a key "__proto__", which no tenant or stack file has and JavaScript would read as the object's prototype; remove it` })),
    ...shape.tags.map(({ tag, offset }) => ({ file: displayName, field: "", message: `${at(offset)}: uses the YAML tag ${tag.replace(/^tag:yaml\.org,2002:/, "!!")}, which would change how the value is read (or be dropped silently); tenant and stack files hold plain values: remove the tag${tag === "tag:yaml.org,2002:binary" ? " (write the text itself)" : ""}` })),
  ];
  if (marked.length > 0) return { problems: marked };
  if (shape.depth > MAX_NESTING) return problem(`nests values more than ${MAX_NESTING} levels deep; no field of a tenant or stack file is that deep, so flatten it`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    return problem(`could not be read as YAML (${(e as Error).message.split("\n")[0]})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return problem(`holds ${Array.isArray(value) ? "a list" : `a ${value === null ? "null" : typeof value}`}; it must be a mapping of fields such as "name:"`);
  }
  return { value, problems: [], sources: shape.sources };
}

/**
 * One problem per mistake: a syntax error makes the parser report follow-on errors that describe
 * its own confusion (a tab used for indentation derails it for the rest of the file, an unclosed
 * bracket makes every later key look duplicated), so only the first syntax error is reported,
 * a tab in preference. Duplicate keys are each a mistake of their own and are all reported when
 * the file has no syntax error.
 */
function syntaxProblems(doc: ParsedDocument, text: string, file: string): Problem[] {
  const syntax = doc.errors.filter((e) => e.code !== "DUPLICATE_KEY");
  const chosen = syntax.length > 0 ? [syntax.find((e) => e.code === "TAB_AS_INDENT") ?? syntax[0]] : doc.errors;
  const lines = text.split(/\r?\n/);
  return chosen.map((e) => {
    const pos = e.linePos?.[0];
    const raw = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    const message = /Maximum call stack size exceeded/.test(raw)
      ? `nests values too deeply to be read (more than ${MAX_NESTING} levels); no field of a tenant or stack file is that deep, so flatten it`
      : yamlHint(e.code, raw, keyAt(lines, pos));
    return { file, field: "", message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ""}${message}` };
  });
}

/** Explicit tags that only say what the value already is (`!!str 1.30`); any other tag is refused. */
const PLAIN_TAGS = ["str", "int", "float", "bool", "null", "map", "seq"].map((t) => `tag:yaml.org,2002:${t}`);

/** A node of the walk in `inspect`, with the field it is the value of and the entry above it. */
interface WalkEntry { node: unknown; level: number; up?: WalkEntry; field?: string; isKey?: boolean }

/**
 * Walks the document once, without recursion: whether it uses anchors or aliases, how deep its
 * collections nest, where it has `__proto__` keys and tags, and how its numbers and booleans were
 * written where YAML reads them differently.
 */
function inspect(doc: ParsedDocument): { alias: boolean; depth: number; protoKeys: number[]; tags: { tag: string; offset: number }[]; sources: Map<string, string> } {
  let depth = 0;
  const protoKeys: number[] = [];
  const tags: { tag: string; offset: number }[] = [];
  const sources = new Map<string, string>();
  const stack: WalkEntry[] = [{ node: doc.contents, level: 0 }];
  while (stack.length > 0) {
    const entry = stack.pop()!;
    const { node, level } = entry;
    if (isAlias(node)) return { alias: true, depth, protoKeys, tags, sources };
    if (isPair(node)) {
      if (isScalar(node.key) && node.key.value === "__proto__") protoKeys.push(node.key.range?.[0] ?? 0);
      const field = isScalar(node.key) ? String(node.key.value) : undefined;
      stack.push({ node: node.key, level, isKey: true }, { node: node.value, level, up: entry, field });
      continue;
    }
    if (isScalar(node) && !entry.isKey && (typeof node.value === "number" || typeof node.value === "boolean") && node.source !== undefined && node.source !== String(node.value)) {
      const path: string[] = [];
      for (let e: WalkEntry | undefined = entry; e; e = e.up) if (e.field !== undefined) path.unshift(e.field);
      sources.set(pathKey(path), node.source);
    }
    if ((isCollection(node) || isScalar(node)) && node.tag !== undefined && !PLAIN_TAGS.includes(node.tag)) tags.push({ tag: node.tag, offset: node.range?.[0] ?? 0 });
    if (isCollection(node)) {
      if (node.anchor) return { alias: true, depth, protoKeys, tags, sources };
      depth = Math.max(depth, level + 1);
      if (depth > MAX_NESTING) return { alias: false, depth, protoKeys, tags, sources };
      // Sequence items are fields by index; mapping items are pairs, whose values carry their key.
      const sequence = isSeq(node);
      node.items.forEach((item, i) => stack.push(sequence ? { node: item, level: level + 1, up: entry, field: String(i) } : { node: item, level: level + 1, up: entry }));
    } else if (isScalar(node) && node.anchor) {
      return { alias: true, depth, protoKeys, tags, sources };
    }
  }
  protoKeys.sort((a, b) => a - b);
  tags.sort((a, b) => a.offset - b.offset);
  return { alias: false, depth, protoKeys, tags, sources };
}

/** The mapping key written at a position, so a duplicate-key problem can name the field. */
function keyAt(lines: string[], pos: { line: number; col: number } | undefined): string | undefined {
  if (!pos) return undefined;
  // YAML keys are at most 1024 characters; looking further would only cost time on hostile lines.
  const rest = (lines[pos.line - 1] ?? "").slice(pos.col - 1, pos.col - 1 + 1100);
  // A plain key ends at ": " (Pulumi keys such as `platform:stage` hold a colon themselves).
  const m = /^(?:"([^"]*)"|'([^']*)'|([^\s#'"{}\[\],][^#{}\[\],]*?))\s*:(?:\s|$)/.exec(rest);
  return m ? (m[1] ?? m[2] ?? m[3]) : undefined;
}

function yamlHint(code: string, message: string, key?: string): string {
  if (code === "DUPLICATE_KEY") return `${message}; ${key ? `"${key}" appears twice, but ` : ""}a field may appear only once`;
  if (code === "TAB_AS_INDENT") return `${message}; indent with spaces`;
  return message;
}
