# shellcheck shell=bash
# The tmux side of the plugin: status segment, hooks, polling chain and key binding, read in one
# tmux call and written in one (two when a changed swap key leaves an old binding to check).

CF_PLACEHOLDER='#{claude_failover}'
# Until there is a binary (the first load builds it, for minutes), the placeholder becomes this
# user option's value, which says so (`CC building…`, a failed build); cf_apply replaces it with
# the segment as it does the placeholder.
CF_NOTE_OPTION=@claude-failover-note
CF_NOTE="#{$CF_NOTE_OPTION}"
# High fixed indexes in the hook arrays: `set-hook -g NAME cmd` would clear a user's hooks, and a
# re-run must replace our entry, not add another.
CF_HOOK_INDEX=4210
CF_HOOKS=(client-attached session-created)
CF_DEFAULT_KEY=S
CF_SWAP_ARGS="swap --reason 'manual (key)' --display"

# Every `tmux` here runs the server's own executable when `$TMUX` names a live tmux server (run-shell
# sets it): a `tmux` on PATH older than 3.6 cannot talk to a 3.6+ server at all, which is what a
# package upgrade leaves while the server runs. Else the `tmux` on PATH. $CLAUDE_FAILOVER_TMUX, if
# set, is used instead, as by the binary.
tmux() {
	if [[ -z ${CF_TMUX:-} ]]; then
		local pid=${TMUX#*,} comm=""
		pid=${pid%%,*}
		CF_TMUX=${CLAUDE_FAILOVER_TMUX:-tmux}
		if [[ -z ${CLAUDE_FAILOVER_TMUX:-} && -n ${TMUX:-} && $pid =~ ^[0-9]+$ ]]; then
			comm=$(cat "/proc/$pid/comm" 2>/dev/null)
			[[ $comm == tmux* && -x /proc/$pid/exe ]] && CF_TMUX=/proc/$pid/exe
		fi
	fi
	command "$CF_TMUX" "$@"
}

# Replace every placeholder (or $3) in $1 with $2; bash's own ${x//p/r} would read `&` in the
# replacement as "the match" (bash 5.2) and needs the pattern's `#` and braces quoted.
cf_replace_all() {
	local rest=$1 out="" pattern=${3:-$CF_PLACEHOLDER}
	while [[ $rest == *"$pattern"* ]]; do
		out+=${rest%%"$pattern"*}$2
		rest=${rest#*"$pattern"}
	done
	REPLY=$out$rest
}

# Read status-left, status-right, the swap key option and the key bound last time, in one call.
# Every value is asked for as `#{q:NAME}`, tmux's shell quoting (the same in every version), and
# the values are one record: separated by unescaped spaces, ended by an unescaped `|` (values may
# hold newlines). tmux 3.4-3.5a also print control characters as octal or C escapes and put a
# backslash before `$NAME`; cf_unquote undoes both (see src/tmux/output.rs).
cf_read_options() {
	local out name i=0
	out=$(tmux display-message -p '#{q:status-left} #{q:status-right} #{q:@claude-failover-swap-key} #{q:@claude-failover-bound-key}|' 2>&1) || {
		cf_say "claude-failover: could not read the tmux options: ${out//$'\n'/ }"
		return 1
	}
	cf_unquote "$out"
	if ((${#CF_FIELDS[@]} != 4)); then
		cf_say "claude-failover: unexpected answer from tmux while reading options (${#CF_FIELDS[@]} fields)"
		return 1
	fi
	for name in CF_STATUS_LEFT CF_STATUS_RIGHT CF_KEY CF_BOUND_KEY; do
		printf -v "$name" '%s' "${CF_FIELDS[i]}"
		i=$((i + 1))
	done
}

# The fields of the first record in $1 (a `#{q:A} #{q:B}|` format as tmux printed it) into the
# array CF_FIELDS; empty when there is no whole record.
cf_unquote() {
	local s=$1 n=${#1} i=0 c d value="" oct
	CF_FIELDS=()
	while ((i < n)); do
		c=${s:i:1}
		case $c in
		' ')
			CF_FIELDS+=("$value")
			value=""
			;;
		'|')
			CF_FIELDS+=("$value")
			return 0
			;;
		'\')
			d=${s:i+1:1}
			if [[ $d == '\' && ${s:i+2:1} == '$' ]]; then
				value+='$'
				i=$((i + 2))
			elif [[ $d == [0-7] ]]; then
				oct=${s:i+1:3}
				oct=${oct%%[!0-7]*}
				printf -v c "\\$oct"
				value+=$c
				i=$((i + ${#oct}))
			else
				case $d in
				n) value+=$'\n' ;;
				r) value+=$'\r' ;;
				b) value+=$'\b' ;;
				a) value+=$'\a' ;;
				v) value+=$'\v' ;;
				t) value+=$'\t' ;;
				f) value+=$'\f' ;;
				s) value+=' ' ;;
				*) value+=$d ;;
				esac
				i=$((i + 1))
			fi
			;;
		*) value+=$c ;;
		esac
		i=$((i + 1))
	done
	CF_FIELDS=()
	return 1
}

# Append one tmux command (its words) to CF_BATCH, `;`-separated, each word made safe for the
# command line.
cf_batch_add() {
	local word
	((${#CF_BATCH[@]} > 0)) && CF_BATCH+=(';')
	for word in "$@"; do
		cf_arg "$word"
		CF_BATCH+=("$REPLY")
	done
}

# Whether the prefix binding of key $1 is still the swap binding this plugin made. The whole
# table is listed: tmux 3.7c shows a lone match of `list-keys -T prefix KEY` as a message, not
# on stdout. A line is `bind-key [-r] [-N note] -T prefix KEY COMMAND`, with KEY in tmux's
# syntax (`\;`, `'#'`); tmux's own key names are printable, so 3.4-3.5a's escaping spares them.
cf_key_is_ours() {
	local out line key words i
	out=$(tmux list-keys -T prefix 2>/dev/null) || return 1
	while IFS= read -r line; do
		[[ $line == *" $CF_SWAP_ARGS"* ]] || continue
		read -r -a words <<<"$line"
		for ((i = 1; i < ${#words[@]}; i++)); do
			case ${words[i]} in
			-T | -N) i=$((i + 1)) ;;
			-*) ;;
			*) break ;;
			esac
		done
		key=${words[i]:-}
		[[ $key == "$1" || $key == "\\$1" || $key == "'$1'" || $key == "\"$1\"" ]] && return 0
	done <<<"$out"
	return 1
}

# A shell command for run-shell / #(): the quoted binary plus fixed arguments, format-escaped.
cf_bin_command() {
	cf_shq "$CF_BIN"
	cf_fmt_escape "$REPLY $1"
}

# No binary yet: show $1 where the segment goes (`CC building…`, or why there is none).
cf_show_note() {
	cf_read_options || return 0
	CF_BATCH=()
	cf_replace_all "$CF_STATUS_LEFT" "$CF_NOTE"
	[[ $REPLY == "$CF_STATUS_LEFT" ]] || cf_batch_add set-option -g status-left "$REPLY"
	cf_replace_all "$CF_STATUS_RIGHT" "$CF_NOTE"
	[[ $REPLY == "$CF_STATUS_RIGHT" ]] || cf_batch_add set-option -g status-right "$REPLY"
	cf_batch_add set-option -g "$CF_NOTE_OPTION" "$1"
	tmux "${CF_BATCH[@]}" >/dev/null 2>&1
	return 0
}

cf_apply() {
	local segment hook token key out
	cf_read_options || return 0
	CF_BATCH=()

	cf_bin_command tick
	segment="#($REPLY)"
	cf_replace_all "$CF_STATUS_LEFT" "$segment"
	cf_replace_all "$REPLY" "$segment" "$CF_NOTE"
	[[ $REPLY == "$CF_STATUS_LEFT" ]] || cf_batch_add set-option -g status-left "$REPLY"
	cf_replace_all "$CF_STATUS_RIGHT" "$segment"
	cf_replace_all "$REPLY" "$segment" "$CF_NOTE"
	[[ $REPLY == "$CF_STATUS_RIGHT" ]] || cf_batch_add set-option -g status-right "$REPLY"
	cf_batch_add set-option -gu "$CF_NOTE_OPTION"

	for hook in "${CF_HOOKS[@]}"; do
		cf_bin_command "hook --event $hook"
		cf_tmq "$REPLY"
		cf_batch_add set-hook -g "$hook[$CF_HOOK_INDEX]" "run-shell -b $REPLY"
	done

	# A fresh token ends the chain of an earlier run: its next link sees another token and stops.
	token=${EPOCHSECONDS:-0}.$$.$RANDOM
	cf_batch_add set-option -g @claude-failover-chain "$token"
	cf_bin_command "hook --event load --chain $token"
	cf_batch_add run-shell -b "$REPLY"

	key=${CF_KEY:-$CF_DEFAULT_KEY}
	if [[ -n $CF_BOUND_KEY && $CF_BOUND_KEY != "$key" ]]; then
		# The key option changed since the last run: drop the old binding, but only while it is
		# still ours (the user may have rebound that key meanwhile).
		cf_key_is_ours "$CF_BOUND_KEY" && cf_batch_add unbind-key -T prefix "$CF_BOUND_KEY"
	fi
	# Last, because tmux stops a batch at the first failing command and a mistyped key name is
	# the likeliest failure.
	cf_bin_command "$CF_SWAP_ARGS"
	cf_batch_add bind-key -T prefix "$key" run-shell -b "$REPLY"
	cf_batch_add set-option -g @claude-failover-bound-key "$key"

	if ! out=$(tmux "${CF_BATCH[@]}" 2>&1); then
		cf_say "claude-failover: tmux refused part of the setup: ${out//$'\n'/ } (swap key from @claude-failover-swap-key: '$key')"
	fi
	return 0
}
