# shellcheck shell=bash
# Quoting for the three layers a command passes through on its way from this plugin to `sh`:
# tmux's command parser (hooks are stored as parsed command strings), tmux's format expander
# (run-shell commands and #() status jobs are expanded before they run) and finally `sh -c`.
# Each function leaves its result in REPLY so callers need no subshell per word.

# One word for `sh`: bare when made only of safe characters (so that the commands users see in
# `show-hooks` stay readable), else single quotes, with `'` as '\''. `(` and `)` are produced by
# a backquoted printf instead of appearing literally, because tmux finds the end of a `#(...)`
# status job by counting parentheses, whatever the shell quoting.
cf_shq() {
	local s=$1 out="'" c i
	if [[ -n $s && $s != *[!A-Za-z0-9_./@%:=+-]* ]]; then
		REPLY=$s
		return
	fi
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		"'") out+="'\\''" ;;
		"(") out+="'\"\`printf '\\050'\`\"'" ;;
		")") out+="'\"\`printf '\\051'\`\"'" ;;
		*) out+=$c ;;
		esac
	done
	REPLY="$out'"
}

# Text that tmux's format expander must pass through unchanged: `#` starts a format, and `}` and
# `,` end one when the segment sits inside a user's `#{?cond,...,...}`.
cf_fmt_escape() {
	local s=$1 out="" c i
	for ((i = 0; i < ${#s}; i++)); do
		c=${s:i:1}
		case $c in
		"#" | "}" | ",") out+="#$c" ;;
		*) out+=$c ;;
		esac
	done
	REPLY=$out
}

# One argument for tmux's command parser (used for the command string of a hook): single quotes,
# inside which tmux expands nothing, with `'` written as '\''.
cf_tmq() {
	local s=$1
	REPLY="'${s//\'/\'\\\'\'}'"
}

# One argument of a `tmux a \; b` command line. tmux reads an argument that ends in `;` as the
# end of a command (and drops the `;`), unless the `;` is preceded by a backslash, which it then
# drops instead: so a value ending in `;` is sent with `\` inserted before that last `;`.
cf_arg() {
	local s=$1
	case $s in
	*";") REPLY="${s%;}\\;" ;;
	*) REPLY=$s ;;
	esac
}
