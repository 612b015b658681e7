package main

import "fmt"

// The scripts --completion prints. Each only turns the shell's view of the
// line into `sockscope __complete SHELL POS WORD...`, shows the candidates
// that come back and adds the shell's own path completion when the last
// line asks for it (see completeCommand): which word takes what is decided
// in Go, once for the three shells.

const bashCompletion = `# bash completion for sockscope, from 'sockscope --completion bash'.
# Source it from ~/.bashrc, or save it as
# ~/.local/share/bash-completion/completions/sockscope.
_sockscope_complete() {
    local line=$COMP_LINE w sep i cword=0
    local -a words=()
    # bash splits words at the characters of COMP_WORDBREAKS (':' '=' '@'),
    # so unix:///x, --format=json and @name arrive in pieces: glue back the
    # pieces that no white space separates on the line.
    for ((i = 0; i < ${#COMP_WORDS[@]}; i++)); do
        w=${COMP_WORDS[i]}
        sep=${line%%[![:space:]]*}
        line=${line#"$sep"}
        if ((i > 0)) && [[ -z $sep ]]; then
            words[${#words[@]}-1]+=$w
        else
            words+=("$w")
        fi
        line=${line#"$w"}
        ((i == COMP_CWORD)) && cword=$((${#words[@]} - 1))
    done
    local cur=${words[cword]}
    # bash replaces only the piece after the last word break: candidates
    # lose what stands before it.
    local breaks="" prefix="" tail
    [[ $COMP_WORDBREAKS == *:* ]] && breaks+=":"
    [[ $COMP_WORDBREAKS == *=* ]] && breaks+="="
    [[ $COMP_WORDBREAKS == *@* ]] && breaks+="@"
    if [[ -n $breaks ]]; then
        tail=${cur##*[$breaks]}
        prefix=${cur%"$tail"}
    fi
    local out
    out=$("${words[0]}" __complete bash "$((cword - 1))" "${words[@]:1}" 2>/dev/null) || return 0
    local -a lines=()
    mapfile -t lines <<<"$out"
    local directive=${lines[${#lines[@]}-1]} c
    unset 'lines[${#lines[@]}-1]'
    COMPREPLY=()
    for c in "${lines[@]}"; do
        c=${c%%$'\t'*}
        [[ -n $c && $c == "$prefix"* ]] && COMPREPLY+=("${c#"$prefix"}")
    done
    local fcur=${cur#"$prefix"} at="" f
    case $directive in
    :files | :dirs | :atfiles)
        if [[ $directive == :atfiles ]]; then
            if [[ $fcur == @* ]]; then
                at=@ fcur=${fcur#@}
            elif [[ $prefix != *@ ]]; then
                return 0
            fi
        fi
        local -a found=()
        if [[ $directive == :dirs ]]; then
            mapfile -t found < <(compgen -d -- "$fcur")
        else
            mapfile -t found < <(compgen -f -- "$fcur")
        fi
        for f in "${found[@]}"; do COMPREPLY+=("$at$f"); done
        compopt -o filenames 2>/dev/null
        ;;
    esac
    if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == */ || ${COMPREPLY[0]} == *= ]]; then
        compopt -o nospace 2>/dev/null
    fi
    return 0
}
complete -F _sockscope_complete sockscope
`

const zshCompletion = `#compdef sockscope
# zsh completion for sockscope, from 'sockscope --completion zsh'.
# Save it as _sockscope in a directory of $fpath, or source it after compinit.
_sockscope() {
    local out directive line cand desc
    local -a lines plain plaindisp slashed
    out=$("${words[1]}" __complete zsh $((CURRENT - 2)) "${(@Q)words[2,-1]}" 2>/dev/null) || return 1
    lines=("${(@f)out}")
    directive=${lines[-1]}
    for line in "${(@)lines[1,-2]}"; do
        [[ -z $line ]] && continue
        cand=${line%%$'\t'*}
        desc=""
        [[ $line == *$'\t'* ]] && desc=${line#*$'\t'}
        # A service (pkg.Service/) and --flag= are not finished words.
        if [[ $cand == */ || $cand == *= ]]; then
            slashed+=("$cand")
        else
            plain+=("$cand")
            plaindisp+=("${cand}${desc:+  -- $desc}")
        fi
    done
    local ret=1
    if (( ${#plain} )); then
        compadd -l -d plaindisp -- "${plain[@]}" && ret=0
    fi
    if (( ${#slashed} )); then
        compadd -S '' -- "${slashed[@]}" && ret=0
    fi
    case $directive in
    :files) _files && ret=0 ;;
    :dirs) _files -/ && ret=0 ;;
    :atfiles) compset -P '@' && _files && ret=0 ;;
    esac
    return ret
}
if [[ $funcstack[1] == _sockscope ]]; then
    _sockscope "$@"
else
    compdef _sockscope sockscope
fi
`

const fishCompletion = `# fish completion for sockscope, from 'sockscope --completion fish'.
# Save it as ~/.config/fish/completions/sockscope.fish.
function __sockscope_complete
    set -l before (commandline -opc)
    set -l all (commandline -o)
    set -l cur (commandline -ct)
    set -l after
    if test -n "$cur"
        set after $all[(math (count $before) + 2)..-1]
    else
        set after $all[(math (count $before) + 1)..-1]
    end
    set -l lines ($before[1] __complete fish (math (count $before) - 1) $before[2..-1] $cur $after 2>/dev/null)
    or return
    set -l directive $lines[-1]
    set -e lines[-1]
    printf '%s\n' $lines
    switch $directive
        case :files
            __fish_complete_path $cur
        case :dirs
            __fish_complete_directories $cur
        case :atfiles
            if string match -q -- '@*' $cur
                for f in (__fish_complete_path (string sub -s 2 -- $cur))
                    echo "@$f"
                end
            end
    end
end
complete -c sockscope -f -a '(__sockscope_complete)'
`

// printCompletionScript prints the script for --completion SHELL.
func (env *runEnv) printCompletionScript() int {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion, "fish": fishCompletion}
	fmt.Fprint(env.stdout, scripts[env.opts.completion])
	return exitOK
}
