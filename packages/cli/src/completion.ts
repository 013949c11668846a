import type { RegisteredCommand } from '@mydocker/core';

/** What a shell needs to know of one command: its names, its flags, its sub-actions. */
export interface CompletionCommand {
  name: string;
  aliases: string[];
  describe: string;
  flags: Array<{ names: string[]; describe: string; takesValue: boolean }>;
  /** `network create|ls|…`: the words of the first positional's description when it lists them ("a | b"). */
  actions: string[];
  /** The first positional names containers: complete their names. */
  containers: boolean;
}

interface OptionSpec {
  alias?: string | string[];
  type?: string;
  describe?: string;
  description?: string;
}

/**
 * Runs a command's builder against a recorder instead of yargs, so its flags are read from the same
 * place `--help` reads them (every plugin's command, without parsing anything).
 */
export function describeCommand(cmd: RegisteredCommand): CompletionCommand {
  const flags: CompletionCommand['flags'] = [];
  const positionals: Array<{ name: string; describe: string }> = [];
  const addOption = (name: string, spec: OptionSpec = {}) => {
    const aliases = spec.alias === undefined ? [] : Array.isArray(spec.alias) ? spec.alias : [spec.alias];
    const dash = (n: string) => (n.length === 1 ? `-${n}` : `--${n}`);
    // A boolean defaulting to true is typed as its negation (--no-trunc), as yargs reads it.
    const names = [name, ...aliases].map(dash);
    if (spec.type === 'boolean' && (spec as { default?: unknown }).default === true) names.unshift(`--no-${name}`);
    flags.push({ names, describe: spec.describe ?? spec.description ?? '', takesValue: spec.type !== 'boolean' && spec.type !== 'count' });
  };
  const recorder: any = new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === 'option' || prop === 'options') {
          return (name: string | Record<string, OptionSpec>, spec?: OptionSpec) => {
            if (typeof name === 'string') addOption(name, spec);
            else for (const [n, s] of Object.entries(name)) addOption(n, s);
            return recorder;
          };
        }
        if (prop === 'positional') {
          return (name: string, spec: OptionSpec = {}) => {
            positionals.push({ name, describe: spec.describe ?? '' });
            return recorder;
          };
        }
        if (prop === 'then') return undefined;
        return () => recorder;
      },
    },
  );
  try {
    cmd.builder?.(recorder);
  } catch {
    // A builder that needs real yargs still gave what it declared before failing.
  }
  const [, ...words] = cmd.command.split(' ');
  const firstPositional = (words[0] ?? '').replace(/[<>[\].]/g, '');
  const described = positionals.find((p) => p.name === firstPositional)?.describe ?? '';
  const actions = /^[\w-]+(\s*\|\s*[\w-]+)+$/.test(described.trim()) ? described.split('|').map((s) => s.trim()) : [];
  flags.push({ names: ['--help'], describe: 'Print usage', takesValue: false });
  return {
    name: cmd.command.split(' ')[0],
    aliases: cmd.aliases ?? [],
    describe: cmd.describe,
    flags,
    actions,
    containers: /^containers?$|^CONTAINER$/.test(firstPositional),
  };
}

export const GLOBAL_FLAGS = ['--root', '--run-root', '--cgroup-parent', '--config', '--storage-driver', '--plugin', '--help', '--version'];
const GLOBAL_VALUE_FLAGS = ['--root', '--run-root', '--cgroup-parent', '--config', '--storage-driver', '--plugin'];

const shellWords = (words: string[]) => words.map((w) => w.replace(/[^\w@./:=+-]/g, '')).join(' ');
const single = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** bash: `source <(mydocker completion bash)`; defines `_mydocker` and binds it to `mydocker`. */
export function bashCompletion(commands: CompletionCommand[]): string {
  const names = commands.flatMap((c) => [c.name, ...c.aliases]);
  const cases = commands
    .map((c) => {
      const flags = shellWords(c.flags.flatMap((f) => f.names));
      const valued = shellWords(c.flags.filter((f) => f.takesValue).flatMap((f) => f.names));
      return `    ${[c.name, ...c.aliases].join('|')}) flags=${single(flags)}; valued=${single(valued)}; actions=${single(c.actions.join(' '))}; containers=${c.containers ? 1 : 0} ;;`;
    })
    .join('\n');
  return `# mydocker bash completion: source <(mydocker completion bash)
_mydocker() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" cmd_at=0 i
  local flags="" valued="" actions="" containers=0
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${GLOBAL_VALUE_FLAGS.join('|')}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; cmd_at=$i; break ;;
    esac
  done
  if [[ -z "$cmd" ]]; then
    case "$prev" in ${GLOBAL_VALUE_FLAGS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;; esac
    if [[ "$cur" == -* ]]; then
      COMPREPLY=($(compgen -W ${single(GLOBAL_FLAGS.join(' '))} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${single(shellWords(names))} -- "$cur"))
    fi
    return 0
  fi
  case "$cmd" in
${cases}
    *) return 0 ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    return 0
  fi
  case " $valued " in *" $prev "*) COMPREPLY=($(compgen -f -- "$cur")); return 0 ;; esac
  if [[ -n "$actions" && $((COMP_CWORD - cmd_at)) -eq 1 ]]; then
    COMPREPLY=($(compgen -W "$actions" -- "$cur"))
  elif [[ $containers == 1 ]]; then
    COMPREPLY=($(compgen -W "$(mydocker ps -a --format '{{.Names}}' 2>/dev/null)" -- "$cur"))
  fi
  return 0
}
complete -F _mydocker mydocker
`;
}

/** zsh: `source <(mydocker completion zsh)`, or save it as `_mydocker` in a directory of $fpath. */
export function zshCompletion(commands: CompletionCommand[]): string {
  const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/'/g, `'\\''`).replace(/:/g, '\\:').replace(/\[/g, '\\[').replace(/\]/g, '\\]');
  const list = commands.map((c) => `    '${c.name}:${esc(c.describe)}'`).join('\n');
  const cases = commands
    .map((c) => {
      const specs = c.flags.flatMap((f) => f.names.map((n) => `'${n}[${esc(f.describe)}]${f.takesValue ? ':value:_files' : ''}'`));
      const rest = c.actions.length
        ? `'1:action:(${c.actions.join(' ')})' '*::arg:_files'`
        : c.containers
          ? `'*::container:_mydocker_containers'`
          : `'*::arg:_files'`;
      return `      (${[c.name, ...c.aliases].join('|')}) _arguments -s ${[...specs, rest].join(' ')} ;;`;
    })
    .join('\n');
  return `#compdef mydocker
# mydocker zsh completion: source <(mydocker completion zsh)
_mydocker_containers() {
  local -a names
  names=(\${(f)"$(mydocker ps -a --format '{{.Names}}' 2>/dev/null)"})
  compadd -a names
}
_mydocker() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'mydocker command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases}
  esac
}
if [[ "\${funcstack[1]}" == _mydocker ]]; then _mydocker "$@"; else compdef _mydocker mydocker; fi
`;
}

/** fish: `mydocker completion fish | source`, or save it in ~/.config/fish/completions/mydocker.fish. */
export function fishCompletion(commands: CompletionCommand[]): string {
  const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  const lines = ['# mydocker fish completion: mydocker completion fish | source', 'complete -c mydocker -f'];
  const all = commands.flatMap((c) => [c.name, ...c.aliases]).join(' ');
  for (const c of commands) lines.push(`complete -c mydocker -n "not __fish_seen_subcommand_from ${all}" -a ${c.name} -d ${q(c.describe)}`);
  for (const c of commands) {
    const when = `-n "__fish_seen_subcommand_from ${[c.name, ...c.aliases].join(' ')}"`;
    for (const f of c.flags) {
      const parts = f.names.map((n) => (n.startsWith('--') ? `-l ${n.slice(2)}` : `-s ${n.slice(1)}`)).join(' ');
      lines.push(`complete -c mydocker ${when} ${parts}${f.takesValue ? ' -r' : ''} -d ${q(f.describe)}`);
    }
    if (c.actions.length) lines.push(`complete -c mydocker ${when} -a ${q(c.actions.join(' '))}`);
    if (c.containers) lines.push(`complete -c mydocker ${when} -a "(mydocker ps -a --format '{{.Names}}' 2>/dev/null)"`);
  }
  return `${lines.join('\n')}\n`;
}
