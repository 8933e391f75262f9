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
# Fields are cut at a separator line that no option value holds, so values with newlines survive.
cf_read_options() {
	local sep=$'\x1f'claude-failover$'\x1f' out name i=0
	out=$(tmux show-options -gqv status-left \; display-message -p "$sep" \
		\; show-options -gqv status-right \; display-message -p "$sep" \
		\; show-options -gqv @claude-failover-swap-key \; display-message -p "$sep" \
		\; show-options -gqv @claude-failover-bound-key \; display-message -p "$sep" 2>&1 &&
		printf x) || {
		cf_say "claude-failover: could not read the tmux options: ${out//$'\n'/ }"
		return 1
	}
	for name in CF_STATUS_LEFT CF_STATUS_RIGHT CF_KEY CF_BOUND_KEY; do
		[[ $out == *"$sep"$'\n'* ]] || {
			cf_say "claude-failover: unexpected answer from tmux while reading options (field $i)"
			return 1
		}
		REPLY=${out%%"$sep"$'\n'*}
		out=${out#*"$sep"$'\n'}
		# show-options ends each value with a newline; an unset option prints nothing.
		printf -v "$name" '%s' "${REPLY%$'\n'}"
		i=$((i + 1))
	done
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

# Whether the prefix binding of key $1 is still the swap binding this plugin made.
cf_key_is_ours() {
	local out
	out=$(tmux list-keys -T prefix "$1" 2>/dev/null) &&
		[[ $out == *" $CF_SWAP_ARGS"* ]]
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
