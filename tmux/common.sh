# shellcheck shell=bash
# Where the plugin keeps its files, and how it tells the user something.

# The state folder (README, "Environment"): $CLAUDE_FAILOVER_STATE_DIR, else $XDG_STATE_HOME/claude-failover,
# else ~/.local/state/claude-failover; created 0700 because the binary keeps account state there.
cf_state_dir() {
	local dir=${CLAUDE_FAILOVER_STATE_DIR:-}
	if [[ -z $dir ]]; then
		if [[ -n ${XDG_STATE_HOME:-} ]]; then
			dir=$XDG_STATE_HOME/claude-failover
		else
			dir=${HOME:-/tmp}/.local/state/claude-failover
		fi
	fi
	(umask 077 && mkdir -p -- "$dir") 2>/dev/null
	REPLY=$dir
}

# Tell the user: a tmux message (held 8 s when tmux supports -d, else the default time), a line
# in <state>/entry.log because at tmux start-up no client may be attached to see it, and stderr
# when someone runs the entry from a terminal.
cf_say() {
	local msg=$1 stamp
	[[ -t 2 ]] && printf '%s\n' "$msg" >&2
	cf_state_dir
	printf -v stamp '%(%Y-%m-%dT%H:%M:%S%z)T' -1
	printf '%s %s\n' "$stamp" "$msg" >>"$REPLY/entry.log" 2>/dev/null
	cf_fmt_escape "$msg"
	cf_arg "$REPLY"
	tmux display-message -d 8000 "$REPLY" 2>/dev/null || tmux display-message "$REPLY" 2>/dev/null
	return 0
}

# An absolute path for a path that may be relative to the current folder.
cf_abs() {
	case $1 in
	/*) REPLY=$1 ;;
	*) REPLY=$PWD/$1 ;;
	esac
}
