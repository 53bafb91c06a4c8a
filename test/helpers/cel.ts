/**
 * Just enough CEL to evaluate the platform's admission-policy expressions in a test: field access
 * (`a.b`), map lookup (`m['k']`), string literals, `+` on strings, `==`, `!=`, `&&`, `||`, `!` and
 * parentheses. A missing field or key is an error, as in CEL ("no such key"). Anything else in an
 * expression is refused, so a policy that grows beyond this subset fails the test instead of being
 * half-evaluated.
 */
type Value = unknown;
type Token = { t: "id" | "str" | "op"; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:([A-Za-z_][A-Za-z0-9_]*)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(==|!=|&&|\|\||[.+()[\]!]))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new Error(`unsupported CEL at ${i}: ${src.slice(i, i + 20)}`);
    if (m[1] !== undefined) out.push({ t: "id", v: m[1] });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ t: "str", v: (m[2] ?? m[3]).replace(/\\(.)/g, "$1") });
    else out.push({ t: "op", v: m[4] });
    i = re.lastIndex;
  }
  return out;
}

export function evalCel(expression: string, vars: Record<string, Value>): Value {
  const tokens = tokenize(expression);
  let pos = 0;
  const peek = () => tokens[pos];
  const take = (v?: string) => {
    const tok = tokens[pos++];
    if (!tok || (v !== undefined && tok.v !== v)) throw new Error(`expected ${v ?? "a token"} at token ${pos - 1} of ${expression}`);
    return tok;
  };
  const field = (obj: Value, key: string): Value => {
    if (obj === null || typeof obj !== "object" || !(key in (obj as object))) throw new Error(`no such key: ${key}`);
    return (obj as Record<string, Value>)[key];
  };
  const primary = (): Value => {
    const tok = take();
    let v: Value;
    if (tok.t === "str") v = tok.v;
    else if (tok.t === "id") {
      if (!(tok.v in vars)) throw new Error(`undeclared reference to '${tok.v}'`);
      v = vars[tok.v];
    } else if (tok.v === "(") {
      v = or();
      take(")");
    } else if (tok.v === "!") return !truthy(primary());
    else throw new Error(`unexpected ${tok.v}`);
    for (;;) {
      if (peek()?.v === ".") {
        take(".");
        v = field(v, take().v);
      } else if (peek()?.v === "[") {
        take("[");
        const key = or();
        take("]");
        v = field(v, String(key));
      } else return v;
    }
  };
  const truthy = (v: Value): boolean => {
    if (typeof v !== "boolean") throw new Error(`no matching overload: expected bool, got ${typeof v}`);
    return v;
  };
  const sum = (): Value => {
    let v = primary();
    while (peek()?.v === "+") {
      take("+");
      const r = primary();
      if (typeof v !== "string" || typeof r !== "string") throw new Error("+ is only supported on strings here");
      v = v + r;
    }
    return v;
  };
  const equality = (): Value => {
    let v = sum();
    while (peek()?.v === "==" || peek()?.v === "!=") {
      const op = take().v;
      const r = sum();
      v = op === "==" ? v === r : v !== r;
    }
    return v;
  };
  const and = (): Value => {
    let v = equality();
    while (peek()?.v === "&&") {
      take("&&");
      const r = equality();
      v = truthy(v) && truthy(r);
    }
    return v;
  };
  const or = (): Value => {
    let v = and();
    while (peek()?.v === "||") {
      take("||");
      const r = and();
      v = truthy(v) || truthy(r);
    }
    return v;
  };
  const result = or();
  if (pos !== tokens.length) throw new Error(`unexpected ${tokens[pos].v} in ${expression}`);
  return result;
}
