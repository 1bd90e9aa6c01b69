import type { Command } from 'commander';
import { CliError } from '../command-context.ts';
import { ExitCode } from '../exit-codes.ts';

/** Every command path (`""`, `"roles"`, `"roles list"`) with the words that may follow it: subcommands and options. */
export function completionTable(program: Command): Map<string, { word: string; help: string }[]> {
  const table = new Map<string, { word: string; help: string }[]>();
  const visit = (cmd: Command, path: string) => {
    const words = [
      ...cmd.commands.map((c) => ({ word: c.name(), help: c.description() })),
      ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => !!f).map((word) => ({ word, help: o.description }))),
      { word: '--help', help: 'show help' },
    ];
    table.set(path, words);
    for (const c of cmd.commands) visit(c, path ? `${path} ${c.name()}` : c.name());
  };
  visit(program, '');
  return table;
}

const single = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** A bash completion function: finds the deepest known command path among the words so far, then offers what may follow it. */
export function bashCompletion(program: Command): string {
  const table = completionTable(program);
  const cases = [...table].map(([path, words]) => `    ${single(path)}) words=${single(words.map((w) => w.word).join(' '))} ;;`).join('\n');
  const paths = [...table.keys()].filter(Boolean).map(single).join(' ');
  return `# remit completion for bash: source <(remit completion bash)
_remit() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" next w i words=""
  local -A known=()
  for w in ${paths}; do known["$w"]=1; done
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    [[ $w == -- ]] && return 0
    next="\${path:+$path }$w"
    [[ -n \${known["$next"]} ]] && path="$next"
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _remit remit bin/remit
`;
}

const zshItem = (w: { word: string; help: string }) => single(`${w.word.replace(/:/g, '\\:')}:${w.help.replace(/:/g, '\\:')}`);

/** The same for zsh, with each word's description shown beside it. */
export function zshCompletion(program: Command): string {
  const table = completionTable(program);
  const cases = [...table].map(([path, words]) => `    ${single(path)}) items=(${words.map(zshItem).join(' ')}) ;;`).join('\n');
  const paths = [...table.keys()].filter(Boolean).map(single).join(' ');
  return `#compdef remit
# remit completion for zsh: add  source <(remit completion zsh)  to ~/.zshrc (after compinit)
_remit() {
  local path_="" next w i
  local -a items known
  known=(${paths})
  for ((i = 2; i < CURRENT; i++)); do
    w=\${words[i]}
    [[ $w == -- ]] && return 0
    next="\${path_:+$path_ }$w"
    (( \${known[(Ie)$next]} )) && path_="$next"
  done
  case "$path_" in
${cases}
  esac
  _describe 'remit' items || _files
}
compdef _remit remit
`;
}

/** `remit completion bash|zsh`: prints the script. */
export async function completionCommand(program: Command, shell: string): Promise<number> {
  if (shell === 'bash') process.stdout.write(bashCompletion(program));
  else if (shell === 'zsh') process.stdout.write(zshCompletion(program));
  else throw new CliError('usage', `no completion for "${shell}"; use bash or zsh`);
  return ExitCode.ok;
}
