import type { Command } from './command.js';
import { AUTH_METHODS, GLOBAL_OPTIONS, MEDIA_TYPES, OUTPUTS } from './options.js';

/**
 * Shell completion: commands, their options and the values options take;
 * kinds, templates, mixins and actions from the server itself, through
 * `occi __complete WHAT` (OCCI_ENDPOINT, two seconds at most, silent when
 * the server does not answer).
 */

const FILE_OPTIONS = ['--user-cred', '-x', '--key', '--ca-file', '-f', '--ssh-key', '--user-data'];
const DIR_OPTIONS = ['--ca-path', '-c'];
const AUTHS = AUTH_METHODS.filter((m) => m !== 'digest' && m !== 'oauth2');
const TYPES = MEDIA_TYPES.filter((m) => !m.includes(','));

function optionNames(options: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(options).map((n) => `--${n}`);
}

export function bashCompletion(commands: readonly Command[]): string {
  const globals = optionNames(GLOBAL_OPTIONS).join(' ');
  const perCommand = commands.map((c) => `    ${c.name}) opts="${optionNames(c.options).join(' ')}"; sub="${(c.subcommands ?? []).join(' ')}";;`).join('\n');
  return `# bash completion for occi (occi-client): source <(occi completion bash)
_occi() {
  local cur prev cmd="" i n=0 opts="" sub=""
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      -*) ;;
      *) case "\${COMP_WORDS[i-1]}" in ${[...stringOptions()].join('|')}) ;; *) if [[ -z "$cmd" ]]; then cmd="\${COMP_WORDS[i]}"; else n=$((n + 1)); fi;; esac;;
    esac
  done
  case "$prev" in
    --auth|-n) COMPREPLY=($(compgen -W "${AUTHS.join(' ')}" -- "$cur")); return;;
    --output|-o) COMPREPLY=($(compgen -W "${OUTPUTS.join(' ')}" -- "$cur")); return;;
    --media-type|-y) COMPREPLY=($(compgen -W "${TYPES.join(' ')}" -- "$cur")); return;;
    --os) COMPREPLY=($(compgen -W "$(occi __complete templates os_tpl 2>/dev/null)" -- "$cur")); return;;
    --size) COMPREPLY=($(compgen -W "$(occi __complete templates resource_tpl 2>/dev/null)" -- "$cur")); return;;
    --mixin|-M|--depends) COMPREPLY=($(compgen -W "$(occi __complete mixins 2>/dev/null)" -- "$cur")); return;;
    --kind|--applies) COMPREPLY=($(compgen -W "$(occi __complete kinds 2>/dev/null)" -- "$cur")); return;;
    --wait) COMPREPLY=($(compgen -W "active inactive suspended online offline" -- "$cur")); return;;
    ${FILE_OPTIONS.join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return;;
    ${DIR_OPTIONS.join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return;;
  esac
  case "$cmd" in
${perCommand}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$opts ${globals}" -- "$cur"))
    return
  fi
  case "$cmd" in
    "") COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} completion help" -- "$cur"));;
    help) COMPREPLY=($(compgen -W "${commands.map((c) => c.name).join(' ')} rocci" -- "$cur"));;
    completion) COMPREPLY=($(compgen -W "bash zsh" -- "$cur"));;
    list|create|discover) [[ $n -eq 0 ]] && COMPREPLY=($(compgen -W "$(occi __complete kinds 2>/dev/null)" -- "$cur"));;
    do) [[ $n -eq 1 ]] && COMPREPLY=($(compgen -W "$(occi __complete actions 2>/dev/null)" -- "$cur"));;
    mixin) if [[ $n -eq 0 ]]; then COMPREPLY=($(compgen -W "$sub" -- "$cur")); elif [[ $n -eq 1 ]]; then COMPREPLY=($(compgen -W "$(occi __complete mixins 2>/dev/null)" -- "$cur")); fi;;
    wait) [[ $n -eq 1 ]] && COMPREPLY=($(compgen -W "active inactive suspended online offline" -- "$cur"));;
  esac
}
complete -F _occi occi
`;
}

function stringOptions(): Set<string> {
  const out = new Set<string>();
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS)) {
    if (spec.type !== 'string') continue;
    out.add(`--${name}`);
    if ('short' in spec && spec.short) out.add(`-${spec.short}`);
  }
  return out;
}

export function zshCompletion(commands: readonly Command[]): string {
  const describe = (text: string) => text.replace(/[:'\\]/g, ' ');
  const list = commands.map((c) => `    '${c.name}:${describe(c.summary)}'`).join('\n');
  const perCommand = commands.map((c) => `    ${c.name}) opts=(${optionNames(c.options).join(' ')}); sub=(${(c.subcommands ?? []).join(' ')});;`).join('\n');
  return `#compdef occi
# zsh completion for occi (occi-client): occi completion zsh > "\${fpath[1]}/_occi", or source <(occi completion zsh)
_occi() {
  local -a commands opts sub args
  local cmd="" prev="\${words[CURRENT-1]}" i
  commands=(
${list}
    'completion:print a shell completion script'
    'help:help for a command'
  )
  args=()
  for ((i = 2; i < CURRENT; i++)); do
    case "\${words[i]}" in
      -*) ;;
      *) case "\${words[i-1]}" in ${[...stringOptions()].join('|')}) ;; *) if [[ -z "$cmd" ]]; then cmd="\${words[i]}"; else args+=("\${words[i]}"); fi;; esac;;
    esac
  done
  case "$prev" in
    --auth|-n) compadd -- ${AUTHS.join(' ')}; return;;
    --output|-o) compadd -- ${OUTPUTS.join(' ')}; return;;
    --media-type|-y) compadd -- ${TYPES.join(' ')}; return;;
    --os) compadd -- \${(f)"$(occi __complete templates os_tpl 2>/dev/null)"}; return;;
    --size) compadd -- \${(f)"$(occi __complete templates resource_tpl 2>/dev/null)"}; return;;
    --mixin|-M|--depends) compadd -- \${(f)"$(occi __complete mixins 2>/dev/null)"}; return;;
    --kind|--applies) compadd -- \${(f)"$(occi __complete kinds 2>/dev/null)"}; return;;
    --wait) compadd -- active inactive suspended online offline; return;;
    ${FILE_OPTIONS.join('|')}) _files; return;;
    ${DIR_OPTIONS.join('|')}) _files -/; return;;
  esac
  case "$cmd" in
${perCommand}
  esac
  if [[ "$PREFIX" == -* ]]; then
    compadd -- $opts ${optionNames(GLOBAL_OPTIONS).join(' ')}
    return
  fi
  case "$cmd" in
    "") _describe -t commands 'occi command' commands;;
    help) compadd -- ${commands.map((c) => c.name).join(' ')} rocci;;
    completion) compadd -- bash zsh;;
    list|create|discover) (( \${#args} == 0 )) && compadd -- \${(f)"$(occi __complete kinds 2>/dev/null)"};;
    do) (( \${#args} == 1 )) && compadd -- \${(f)"$(occi __complete actions 2>/dev/null)"};;
    mixin) if (( \${#args} == 0 )); then compadd -- $sub; elif (( \${#args} == 1 )); then compadd -- \${(f)"$(occi __complete mixins 2>/dev/null)"}; fi;;
    wait) (( \${#args} == 1 )) && compadd -- active inactive suspended online offline;;
  esac
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then _occi "$@"; else compdef _occi occi; fi
`;
}
