/**
 * Go's text/template, the subset Docker's `--format` uses: fields and method-like calls, pipelines,
 * variables, if/else/range/with, comments, trim markers, and Docker's template functions. Written here
 * because the npm ports of Go templates handle only `{{.Field}}` substitution (no pipelines, no
 * functions, no range), and scripts written for Docker use all of those.
 *
 * Values are plain JavaScript: objects behave as Go maps (a missing key prints `<no value>`), a function
 * found at a field is called with the command's arguments (Docker's `{{.Label "k"}}`).
 */
import { MydockerError } from './errors';

/** Docker prints template errors and exits 1 (its CLI's generic status), not 125. */
export class TemplateError extends MydockerError {
  constructor(message: string) {
    super(message, 1);
  }
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if' | 'with'; pipe: Pipeline; body: Node[]; orElse: Node[] }
  | { kind: 'range'; pipe: Pipeline; body: Node[]; orElse: Node[] };

interface Pipeline {
  decl: string[];
  /** `=` assigns an existing variable, `:=` declares one. */
  assign: boolean;
  cmds: Operand[][];
}

type Operand =
  { kind: 'field'; base: 'dot' | { var: string } | { paren: Pipeline }; path: string[] } | { kind: 'ident'; name: string } | { kind: 'lit'; value: unknown };

const NO_VALUE = Symbol('no value');

// ---------- lexing an action ----------

type Tok = { t: 'str' | 'num' | 'ident' | 'field' | 'var' | 'sym'; v: string };

function lexAction(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '"') {
      let j = i + 1;
      while (j < src.length && src[j] !== '"') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new TemplateError('template: unterminated quoted string');
      toks.push({ t: 'str', v: JSON.parse(src.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('template: unterminated raw quoted string');
      toks.push({ t: 'str', v: src.slice(i + 1, j) });
      i = j + 1;
    } else if (c === '(' || c === ')' || c === '|' || c === ',') {
      toks.push({ t: 'sym', v: c });
      i++;
    } else if (src.startsWith(':=', i)) {
      toks.push({ t: 'sym', v: ':=' });
      i += 2;
    } else if (c === '=') {
      toks.push({ t: 'sym', v: '=' });
      i++;
    } else {
      const m = /^(\$\w*(?:\.\w+)*|\.[\w.]*|-?\d[\w.+-]*|'(?:\\.|[^'])'|[A-Za-z_]\w*)/.exec(src.slice(i));
      if (!m) throw new TemplateError(`template: unexpected "${c}" in command`);
      const w = m[0];
      if (w.startsWith('$')) toks.push({ t: 'var', v: w });
      else if (w.startsWith('.')) toks.push({ t: 'field', v: w });
      else if (/^-?\d/.test(w)) toks.push({ t: 'num', v: w });
      else if (w.startsWith("'")) toks.push({ t: 'num', v: String(JSON.parse(`"${w.slice(1, -1)}"`).codePointAt(0)) });
      else toks.push({ t: 'ident', v: w });
      i += w.length;
    }
  }
  return toks;
}

/** `.A.B` → ['A','B']; `.` → []. A field directly after `)` or a variable continues its chain. */
function fieldPath(v: string): string[] {
  return v.split('.').slice(1).filter(Boolean);
}

class PipeParser {
  private pos = 0;
  constructor(private readonly toks: Tok[]) {}

  done(): boolean {
    return this.pos >= this.toks.length;
  }

  pipeline(allowDecl: boolean): Pipeline {
    const decl: string[] = [];
    let assign = false;
    if (allowDecl) {
      // `$x :=`, `$i, $v :=`, `$x =`
      const save = this.pos;
      const vars: string[] = [];
      while (this.toks[this.pos]?.t === 'var') {
        vars.push(this.toks[this.pos].v);
        this.pos++;
        if (this.toks[this.pos]?.v === ',') this.pos++;
        else break;
      }
      const op = this.toks[this.pos];
      if (vars.length && op?.t === 'sym' && (op.v === ':=' || op.v === '=')) {
        decl.push(...vars);
        assign = op.v === '=';
        this.pos++;
      } else {
        this.pos = save;
      }
    }
    const cmds: Operand[][] = [];
    for (;;) {
      const cmd: Operand[] = [];
      while (!this.done() && this.toks[this.pos].v !== '|' && this.toks[this.pos].v !== ')') cmd.push(this.operand());
      if (cmd.length === 0) throw new TemplateError('template: missing value for command');
      cmds.push(cmd);
      if (this.toks[this.pos]?.v === '|') this.pos++;
      else break;
    }
    return { decl, assign, cmds };
  }

  private operand(): Operand {
    const tok = this.toks[this.pos++];
    let op: Operand;
    if (tok.t === 'str') op = { kind: 'lit', value: tok.v };
    else if (tok.t === 'num') {
      const n = Number(tok.v);
      if (Number.isNaN(n)) throw new TemplateError(`template: bad number syntax: "${tok.v}"`);
      op = { kind: 'lit', value: n };
    } else if (tok.t === 'field') op = { kind: 'field', base: 'dot', path: fieldPath(tok.v) };
    else if (tok.t === 'var') {
      const [name, ...rest] = tok.v.split('.');
      op = { kind: 'field', base: { var: name }, path: rest.filter(Boolean) };
    } else if (tok.t === 'ident') {
      if (tok.v === 'true' || tok.v === 'false') op = { kind: 'lit', value: tok.v === 'true' };
      else if (tok.v === 'nil') op = { kind: 'lit', value: null };
      else op = { kind: 'ident', name: tok.v };
    } else if (tok.v === '(') {
      const inner = this.pipeline(false);
      if (this.toks[this.pos]?.v !== ')') throw new TemplateError('template: unclosed left paren');
      this.pos++;
      op = { kind: 'field', base: { paren: inner }, path: [] };
    } else {
      throw new TemplateError(`template: unexpected "${tok.v}" in operand`);
    }
    // `(...).Field` and `$x.Field` chains written without a space.
    // `(index .X "y").IPAddress`: the lexer keeps no spacing, so a field right after `)` continues it.
    while (tok.v === '(' && op.kind === 'field' && this.toks[this.pos]?.t === 'field' && this.toks[this.pos].v !== '.') {
      op.path.push(...fieldPath(this.toks[this.pos++].v));
    }
    return op;
  }
}

// ---------- parsing the template ----------

interface Frame {
  node: Node | null;
  body: Node[];
  inElse: boolean;
  /** Opened by `{{else if}}`: closed by the same `{{end}}` as the frame below it. */
  chained?: boolean;
}

/** Where the action opened before `start` ends (its `}}`): one inside a quoted string does not end it. */
function actionClose(src: string, start: number): number {
  for (let i = start, quote = ''; i < src.length; i++) {
    const c = src[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (src.startsWith('}}', i)) return i;
  }
  throw new TemplateError('template: unclosed action');
}

/** One action's text (no delimiters, no comment): a node in the current body, or a frame opened or closed. */
function applyAction(body: string, stack: Frame[], target: () => Node[]): void {
  const keyword = /^(if|else|end|range|with|define|template|block|break|continue)\b/.exec(body)?.[1];
  const rest = body.slice(keyword?.length ?? 0);
  const parsePipe = (allowDecl: boolean) => {
    const p = new PipeParser(lexAction(rest));
    const pipe = p.pipeline(allowDecl);
    if (!p.done()) throw new TemplateError(`template: unexpected ")" in ${keyword ?? 'command'}`);
    return pipe;
  };
  if (!keyword) {
    if (!body) throw new TemplateError('template: missing value for command');
    target().push({ kind: 'action', pipe: parsePipe(true) });
  } else if (keyword === 'if' || keyword === 'with' || keyword === 'range') {
    const node = { kind: keyword, pipe: parsePipe(true), body: [], orElse: [] } as Node;
    target().push(node);
    stack.push({ node, body: [], inElse: false });
  } else if (keyword === 'else') {
    const top = stack[stack.length - 1];
    if (!top.node || top.inElse) throw new TemplateError('template: unexpected {{else}}');
    top.inElse = true;
    const chained = /^\s*(if|with)\b/.exec(rest);
    if (chained) {
      // `{{else if x}}` is `{{else}}{{if x}}...{{end}}` sharing the outer `end`.
      const p = new PipeParser(lexAction(rest.slice(chained[0].length)));
      const node = { kind: chained[1] as 'if' | 'with', pipe: p.pipeline(true), body: [], orElse: [] } as Node;
      target().push(node);
      stack.push({ node, body: [], inElse: false, chained: true });
    }
  } else if (keyword === 'end') {
    if (stack.length === 1) throw new TemplateError('template: unexpected {{end}}');
    while (stack.pop()!.chained);
  } else {
    throw new TemplateError(`template: {{${keyword}}} is not supported`);
  }
}

export function parseTemplate(src: string): Node[] {
  const root: Frame = { node: null, body: [], inElse: false };
  const stack: Frame[] = [root];
  const target = () => {
    const top = stack[stack.length - 1];
    const n = top.node as { body: Node[]; orElse: Node[] } | null;
    return n ? (top.inElse ? n.orElse : n.body) : top.body;
  };
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    const open = src.indexOf('{{', pos);
    let text = src.slice(pos, open < 0 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) target().push({ kind: 'text', text });
      break;
    }
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    if (text) target().push({ kind: 'text', text });
    const close = actionClose(src, start);
    let end = close;
    if (/\s-$/.test(src.slice(start, close)) || src.slice(start, close) === '-') {
      end = close - 1;
      trimNext = true;
    }
    pos = close + 2;
    const body = src.slice(start, end).trim();
    if (body.startsWith('/*')) {
      if (!body.endsWith('*/')) throw new TemplateError('template: unclosed comment');
      continue;
    }
    applyAction(body, stack, target);
  }
  if (stack.length > 1) throw new TemplateError('template: unexpected EOF');
  return root.body;
}

// ---------- evaluation ----------

function isTrue(v: unknown): boolean {
  if (v === undefined || v === null || v === NO_VALUE || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/** Go's fmt %v for the values JSON can hold. */
export function goString(v: unknown): string {
  if (v === NO_VALUE || v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goString((v as Record<string, unknown>)[k])}`).join(' ')}]`;
  }
  return String(v);
}

function field(value: unknown, name: string, args: unknown[] | undefined): unknown {
  // Go: a field of a missing map entry is missing too; a field of an explicit nil is an error.
  if (value === NO_VALUE && !args?.length) return NO_VALUE;
  if (value === null || value === undefined || value === NO_VALUE) throw new TemplateError(`template: nil pointer evaluating .${name}`);
  if (typeof value !== 'object') throw new TemplateError(`template: can't evaluate field ${name} in type ${typeof value}`);
  const v = Object.prototype.hasOwnProperty.call(value, name) ? (value as Record<string, unknown>)[name] : NO_VALUE;
  if (typeof v === 'function') return (v as (...a: unknown[]) => unknown).apply(value, args ?? []);
  if (args && args.length) throw new TemplateError(`template: ${name} is not a method but has arguments`);
  return v;
}

function sprintf(format: string, args: unknown[]): string {
  let n = 0;
  return format.replace(/%([-+ 0#]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g, (_m, flags: string, width?: string, prec?: string, verb?: string) => {
    if (verb === '%') return '%';
    const arg = args[n++];
    let s: string;
    switch (verb) {
      case 'd':
        s = String(Math.trunc(Number(arg)));
        break;
      case 'f':
        s = Number(arg).toFixed(prec === undefined ? 6 : Number(prec));
        break;
      case 'c':
        s = String.fromCodePoint(Number(arg));
        break;
      case 'q':
        s = JSON.stringify(goString(arg));
        break;
      case 's':
      case 'v':
      default:
        s = goString(arg);
        if (prec !== undefined && verb === 's') s = s.slice(0, Number(prec));
    }
    if (width) s = flags.includes('-') ? s.padEnd(Number(width)) : s.padStart(Number(width), flags.includes('0') && verb !== 's' ? '0' : ' ');
    return s;
  });
}

function eq(a: unknown, b: unknown): boolean {
  return a === b || (a === NO_VALUE && b === null) || (a === null && b === NO_VALUE);
}

function num(v: unknown, fn: string): number | string {
  if (typeof v === 'number' || typeof v === 'string') return v;
  throw new TemplateError(`template: ${fn}: incompatible types for comparison`);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };

/** Docker's `json`: no HTML escaping (JSON.stringify never does), no trailing newline. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each function declares the Go argument types it takes; the evaluator calls them with evaluated values
const FUNCS: Record<string, (...args: any[]) => unknown> = {
  json: (v: unknown) => JSON.stringify(v === NO_VALUE ? null : (v ?? null)),
  print: (...a: unknown[]) => a.map((x, i) => (i > 0 && typeof x !== 'string' && typeof a[i - 1] !== 'string' ? ' ' : '') + goString(x)).join(''),
  println: (...a: unknown[]) => `${a.map(goString).join(' ')}\n`,
  printf: (f: string, ...a: unknown[]) => sprintf(String(f), a),
  len: (v: unknown) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v && typeof v === 'object') return Object.keys(v).length;
    throw new TemplateError(`template: len of ${goString(v)}`);
  },
  index: (v: unknown, ...keys: unknown[]) => {
    let cur = v;
    for (const k of keys) {
      if (Array.isArray(cur) || typeof cur === 'string') {
        const i = Number(k);
        if (!Number.isInteger(i) || i < 0 || i >= cur.length) throw new TemplateError(`template: index out of range: ${goString(k)}`);
        cur = Array.isArray(cur) ? cur[i] : cur.charCodeAt(i);
      } else if (cur && typeof cur === 'object') {
        const key = String(k);
        cur = Object.prototype.hasOwnProperty.call(cur, key) ? (cur as Record<string, unknown>)[key] : NO_VALUE;
      } else if (cur === null || cur === NO_VALUE || cur === undefined) {
        // Go: indexing a nil map gives the zero value.
        cur = NO_VALUE;
      } else {
        throw new TemplateError(`template: can't index item of type ${typeof cur}`);
      }
    }
    return cur;
  },
  join: (a: unknown, sep: unknown) => (Array.isArray(a) ? a.map(goString).join(String(sep)) : goString(a)),
  split: (s: unknown, sep: unknown) => String(s).split(String(sep)),
  upper: (s: unknown) => goString(s).toUpperCase(),
  lower: (s: unknown) => goString(s).toLowerCase(),
  title: (s: unknown) => goString(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, p: string, c: string) => p + c.toUpperCase()),
  // Docker's truncate: the first N runes; pad: N spaces before and M after.
  truncate: (s: unknown, n: unknown) => [...goString(s)].slice(0, Number(n)).join(''),
  pad: (s: unknown, before: unknown, after: unknown) => (goString(s) === '' ? '' : `${' '.repeat(Number(before))}${goString(s)}${' '.repeat(Number(after))}`),
  // Go's own escapers and slice.
  html: (...a: unknown[]) => (FUNCS.print(...a) as string).replace(/[&<>'"\0]/g, (c) => HTML_ESCAPES[c]),
  js: (...a: unknown[]) =>
    // eslint-disable-next-line no-control-regex -- Go's JSEscape writes control characters as \uXXXX
    (FUNCS.print(...a) as string).replace(/[\\'"<>&=]|[\x00-\x1f]/g, (c) =>
      c === '\\' || c === "'" || c === '"' ? `\\${c}` : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
    ),
  urlquery: (...a: unknown[]) =>
    encodeURIComponent(FUNCS.print(...a) as string)
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
  slice: (v: unknown, ...idx: unknown[]) => {
    if (typeof v !== 'string' && !Array.isArray(v)) throw new TemplateError(`template: can't slice item of type ${typeof v}`);
    const [i = 0, j = v.length] = idx.map(Number);
    if (i < 0 || j < i || j > v.length) throw new TemplateError(`template: slice: index out of range: ${i}:${j}`);
    return v.slice(i, j);
  },
  not: (v: unknown) => !isTrue(v),
  and: (...a: unknown[]) => a.find((x) => !isTrue(x)) ?? a[a.length - 1],
  or: (...a: unknown[]) => a.find((x) => isTrue(x)) ?? a[a.length - 1],
  eq: (a: unknown, ...bs: unknown[]) => bs.some((b) => eq(a, b)),
  ne: (a: unknown, b: unknown) => !eq(a, b),
  lt: (a: unknown, b: unknown) => num(a, 'lt') < num(b, 'lt'),
  le: (a: unknown, b: unknown) => num(a, 'le') <= num(b, 'le'),
  gt: (a: unknown, b: unknown) => num(a, 'gt') > num(b, 'gt'),
  ge: (a: unknown, b: unknown) => num(a, 'ge') >= num(b, 'ge'),
};

type Scope = Array<[string, unknown]>;

class Evaluator {
  out = '';
  constructor(private readonly rootDot: unknown) {}

  run(nodes: Node[], dot: unknown, vars: Scope): void {
    for (const node of nodes) {
      if (node.kind === 'text') {
        this.out += node.text;
      } else if (node.kind === 'action') {
        const v = this.pipe(node.pipe, dot, vars);
        if (node.pipe.decl.length === 0) this.out += goString(v);
      } else if (node.kind === 'if') {
        const scope: Scope = [...vars];
        this.run(isTrue(this.pipe(node.pipe, dot, scope)) ? node.body : node.orElse, dot, scope);
      } else if (node.kind === 'with') {
        const scope: Scope = [...vars];
        const v = this.pipe(node.pipe, dot, scope);
        if (isTrue(v)) this.run(node.body, v, scope);
        else this.run(node.orElse, dot, scope);
      } else {
        const scope: Scope = [...vars];
        const v = this.pipe({ ...node.pipe, decl: [] }, dot, scope);
        const entries: Array<[unknown, unknown]> = Array.isArray(v)
          ? v.map((x, i) => [i, x])
          : v && typeof v === 'object'
            ? Object.keys(v)
                .sort()
                .map((k) => [k, (v as Record<string, unknown>)[k]])
            : typeof v === 'number'
              ? Array.from({ length: v }, (_x, i) => [i, i])
              : v === null || v === undefined || v === NO_VALUE
                ? []
                : (() => {
                    throw new TemplateError(`template: range can't iterate over ${goString(v)}`);
                  })();
        if (entries.length === 0) this.run(node.orElse, dot, scope);
        for (const [k, x] of entries) {
          const inner: Scope = [...scope];
          if (node.pipe.decl.length === 1) inner.push([node.pipe.decl[0], x]);
          else if (node.pipe.decl.length === 2) inner.push([node.pipe.decl[0], k], [node.pipe.decl[1], x]);
          this.run(node.body, x, inner);
        }
      }
    }
  }

  private lookupVar(name: string, vars: Scope): unknown {
    if (name === '$') return this.rootDot;
    for (let i = vars.length - 1; i >= 0; i--) if (vars[i][0] === name) return vars[i][1];
    throw new TemplateError(`template: undefined variable "${name}"`);
  }

  pipe(p: Pipeline, dot: unknown, vars: Scope): unknown {
    let value: unknown = NO_VALUE;
    let first = true;
    for (const cmd of p.cmds) {
      value = this.command(cmd, dot, vars, first ? undefined : value);
      first = false;
    }
    if (p.decl.length) {
      if (p.assign) {
        const i = vars.map(([n]) => n).lastIndexOf(p.decl[0]);
        if (i < 0) throw new TemplateError(`template: undefined variable "${p.decl[0]}"`);
        vars[i][1] = value;
      } else vars.push([p.decl[0], value]);
    }
    return value;
  }

  private command(cmd: Operand[], dot: unknown, vars: Scope, piped: unknown): unknown {
    const [head, ...rest] = cmd;
    const extra = piped === undefined ? [] : [piped];
    if (head.kind === 'ident') {
      const fn = FUNCS[head.name];
      if (!fn) throw new TemplateError(`template: function "${head.name}" not defined`);
      return fn(...rest.map((a) => this.arg(a, dot, vars)), ...extra);
    }
    if (head.kind === 'field' && head.path.length > 0) {
      const args = [...rest.map((a) => this.arg(a, dot, vars)), ...extra];
      let v = this.base(head, dot, vars);
      head.path.forEach((name, i) => {
        v = field(v, name, i === head.path.length - 1 ? args : undefined);
      });
      return v;
    }
    if (head.kind === 'lit' && head.value === null) throw new TemplateError('template: nil is not a command');
    if (rest.length || extra.length) throw new TemplateError("template: can't give argument to non-function");
    return this.arg(head, dot, vars);
  }

  private base(op: Extract<Operand, { kind: 'field' }>, dot: unknown, vars: Scope): unknown {
    if (op.base === 'dot') return dot;
    if ('var' in op.base) return this.lookupVar(op.base.var, vars);
    return this.pipe(op.base.paren, dot, vars);
  }

  private arg(op: Operand, dot: unknown, vars: Scope): unknown {
    if (op.kind === 'lit') return op.value;
    if (op.kind === 'ident') {
      const fn = FUNCS[op.name];
      if (!fn) throw new TemplateError(`template: function "${op.name}" not defined`);
      return fn();
    }
    let v = this.base(op, dot, vars);
    for (const name of op.path) v = field(v, name, undefined);
    return v;
  }
}

export interface GoTemplate {
  execute(data: unknown): string;
}

/** Parses once; a parse error is a TemplateError worded as Docker's ("template parsing error: ..."). */
export function compileTemplate(src: string): GoTemplate {
  let nodes: Node[];
  try {
    nodes = parseTemplate(src);
  } catch (err) {
    if (err instanceof TemplateError) throw new TemplateError(`template parsing error: ${err.message}`);
    throw err;
  }
  return {
    execute(data: unknown): string {
      const ev = new Evaluator(data);
      ev.run(nodes, data, []);
      return ev.out;
    },
  };
}
