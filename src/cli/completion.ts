/**
 * Shell completion, the scripts: `wash completion bash|zsh|fish` prints one;
 * the script calls the hidden `wash __complete <words...>` (as cobra's scripts
 * do), answered by ./complete-command.ts.
 */
import type { Command } from 'commander';
import { HOST_COMMAND_HELP } from './host-commands.js';
import { UsageError } from '../util/errors.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export function registerCompletion(program: Command) {
  program
    .command('completion')
    .description(HOST_COMMAND_HELP.completion.description)
    .argument('<shell>', `one of: ${SHELLS.join(', ')}`)
    .addHelpText(
      'after',
      [
        '',
        'Install:',
        '  bash  wash completion bash > ~/.local/share/bash-completion/completions/wash',
        '  zsh   wash completion zsh > "${fpath[1]}/_wash"   (or in ~/.zshrc: source <(wash completion zsh))',
        '  fish  wash completion fish > ~/.config/fish/completions/wash.fish',
      ].join('\n'),
    )
    .action((shell: string) => {
      if (!(SHELLS as readonly string[]).includes(shell))
        throw new UsageError(`unknown shell '${shell}' (one of: ${SHELLS.join(', ')})`, "see 'wash completion --help'");
      process.stdout.write(completionScript(shell as Shell));
    });
}

/**
 * A shell script as written: a raw template in which `$\{` stands for the
 * shell's `${` (in a template literal it would be a substitution).
 */
function shellScript(strings: TemplateStringsArray): string {
  return strings.raw.join('').replaceAll('$\\{', '$' + '{');
}

function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
  }
}

const BASH = shellScript`# bash completion for wash
# Install: wash completion bash > ~/.local/share/bash-completion/completions/wash
#      or: echo 'source <(wash completion bash)' >> ~/.bashrc
_wash() {
    local cur words cword
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        _get_comp_words_by_ref -n =: cur words cword
    else
        cur=$\{COMP_WORDS[COMP_CWORD]}
        words=("$\{COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi
    COMPREPLY=()
    local out line directive=:none
    out=$(wash __complete "$\{words[@]:1:cword}" 2>/dev/null) || return 0
    while IFS= read -r line; do
        case $line in
            :*) directive=$line ;;
            *) COMPREPLY+=("$\{line%%$'\t'*}") ;;
        esac
    done <<<"$out"
    # bash replaces only its own current word, which starts after a '=' or ':'.
    local prefix=$\{cur%"$\{COMP_WORDS[COMP_CWORD]}"} i
    if [[ -n $prefix ]]; then
        for i in "$\{!COMPREPLY[@]}"; do COMPREPLY[i]=$\{COMPREPLY[i]#"$prefix"}; done
    fi
    case $directive in
        :files | :dirs)
            compopt -o filenames 2>/dev/null
            local flag=-f
            [[ $directive == :dirs ]] && flag=-d
            while IFS= read -r line; do
                [[ -n $line ]] && COMPREPLY+=("$line")
            done < <(compgen $flag -- "$cur")
            ;;
    esac
    return 0
}
complete -F _wash wash
`;

const ZSH = shellScript`#compdef wash
# zsh completion for wash
# Install: wash completion zsh > "$\{fpath[1]}/_wash"   (then restart zsh)
#      or: source <(wash completion zsh)   in ~/.zshrc, after compinit
compdef _wash wash

_wash() {
    local -a lines candidates
    local line word desc directive=:none
    lines=("$\{(@f)$(wash __complete "$\{(@)words[2,CURRENT]}" 2>/dev/null)}")
    for line in "$\{lines[@]}"; do
        if [[ $line == :* ]]; then
            directive=$line
            continue
        fi
        [[ -z $line ]] && continue
        word=$\{line%%$'\t'*}
        desc=''
        [[ $line == *$'\t'* ]] && desc=$\{line#*$'\t'}
        candidates+=("$\{word//:/\\:}$\{desc:+:$desc}")
    done
    (( $\{#candidates} )) && _describe -t wash 'wash' candidates
    case $directive in
        :files) _files ;;
        :dirs) _files -/ ;;
    esac
}

# Loaded from fpath, run now; sourced, compdef above registered it.
if [[ $funcstack[1] == _wash ]]; then
    _wash "$@"
fi
`;

const FISH = shellScript`# fish completion for wash
# Install: wash completion fish > ~/.config/fish/completions/wash.fish
function __wash_complete
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l directive :none
    for line in (wash __complete $tokens[2..-1] $current 2>/dev/null)
        if string match -q -- ':*' $line
            set directive $line
        else
            printf '%s\n' $line
        end
    end
    switch $directive
        case :files
            __fish_complete_path $current
        case :dirs
            __fish_complete_directories $current
    end
end
complete -c wash -f -a '(__wash_complete)'
`;
