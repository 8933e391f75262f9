# shellcheck shell=bash
# Timeline, bounded waits, and tmux / process probes for scripts/real-claude-e2e.sh.
# Expects E2E_SOCK (tmux socket name) to be set before the tmux helpers are used.

E2E_T0=$(date +%s%N)
E2E_RESULTS=()
E2E_FAILED=0
E2E_SUMMARY_DONE=0

e2e_elapsed() {
	local now
	now=$(date +%s%N)
	printf '%6.1fs' "$(((now - E2E_T0) / 1000000))e-3"
}

# One line of the timeline.
e2e_log() {
	printf '[%s] %s\n' "$(e2e_elapsed)" "$*"
}

e2e_pass() {
	E2E_RESULTS+=("PASS  $1")
	e2e_log "PASS  $1"
}

# A failed check that does not stop the run.
e2e_fail() {
	E2E_RESULTS+=("FAIL  $1")
	E2E_FAILED=1
	e2e_log "FAIL  $1"
}

# e2e_check NAME CMD...: PASS or FAIL by CMD's exit status; never stops the run.
e2e_check() {
	local name=$1
	shift
	if "$@"; then e2e_pass "$name"; else e2e_fail "$name"; fi
}

# e2e_wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds (0) or time is up (1).
e2e_wait_until() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while true; do
		if "$@"; then return 0; fi
		if (($(date +%s%N) >= deadline)); then return 1; fi
		sleep 0.2
	done
}

e2e_summary() {
	local r
	E2E_SUMMARY_DONE=1
	echo
	echo "== summary"
	for r in "${E2E_RESULTS[@]}"; do echo "  $r"; done
	if ((E2E_FAILED)); then echo "RESULT: FAIL"; else echo "RESULT: PASS"; fi
}

# Every tmux call goes to the test server only, and none can hang the run.
e2e_tmux() {
	timeout 10 tmux -L "$E2E_SOCK" -f /dev/null "$@"
}

# The visible screen of a pane, wrapped lines joined.
e2e_capture() {
	e2e_tmux capture-pane -p -J -t "$1"
}

# e2e_screen_has PANE TEXT: the visible screen contains TEXT (bytes, any locale). grep reads
# all of its input (no -q): stopping early would fail the pipe with SIGPIPE under pipefail.
e2e_screen_has() {
	e2e_capture "$1" | LC_ALL=C grep -F -- "$2" >/dev/null
}

# Claude's empty input line: `❯` then U+00A0 (capture-pane drops trailing spaces).
e2e_screen_prompt_ready() {
	e2e_capture "$1" | LC_ALL=C grep -qE $'^\xe2\x9d\xaf(\xc2\xa0| )*$'
}

# Any release's empty input line: `❯` (2.1.x) or `│ >` in a rounded box (1.0.x-2.0.x), or the
# placeholder those older boxes show before the first prompt (`│ > Try "edit …"`).
e2e_screen_input_ready() {
	e2e_capture "$1" | LC_ALL=C grep -E $'^(\xe2\x94\x82(\xc2\xa0| ))?(\xe2\x9d\xaf|>)(\xc2\xa0| )*(Try "|(\xe2\x94\x82)?$)' >/dev/null
}

# Claude shows `esc to interrupt` in its footer only while a turn runs.
e2e_screen_idle() {
	! e2e_screen_has "$1" "esc to interrupt"
}

# e2e_type PANE TEXT: type TEXT into the pane literally, then Enter.
e2e_type() {
	e2e_tmux send-keys -t "$1" -l -- "$2"
	e2e_tmux send-keys -t "$1" Enter
}

# e2e_submit PANE TEXT: type TEXT, wait until the pane shows it, then Enter. Older releases
# (1.0.x-2.0.x) take keys that arrive together with the text for a paste, and an Enter inside a
# paste for a new line: so Enter goes on its own, and again until the prompt is sent.
e2e_submit() {
	local k
	e2e_tmux send-keys -t "$1" -l -- "$2"
	e2e_wait_until 10 e2e_screen_has "$1" "$2" || return 1
	for ((k = 0; k < 5; k++)); do
		e2e_tmux send-keys -t "$1" Enter
		e2e_wait_until 2 e2e_screen_sent "$1" "$2" && return 0
	done
	return 1
}

# e2e_screen_sent PANE TEXT: below the last line holding TEXT, an empty input line or a turn at
# work (`esc to interrupt`): TEXT was sent, it is no longer in the input box.
e2e_screen_sent() {
	e2e_capture "$1" | LC_ALL=C awk -v t="$2" -v ready=$'^(\xe2\x94\x82(\xc2\xa0| ))?(\xe2\x9d\xaf|>)(\xc2\xa0| )*(\xe2\x94\x82)?$' '
		index($0, t) { after = 0; seen = 1; next }
		seen && ($0 ~ ready || index($0, "esc to interrupt")) { after = 1 }
		END { exit !(seen && after) }'
}

e2e_pane_pid() {
	e2e_tmux display-message -p -t "$1" '#{pane_pid}'
}

# The pid of the live process named `claude` in the pane's process tree (the pane's own process
# or a descendant, nearest first); prints nothing when there is none.
e2e_pane_claude_pid() {
	local root
	root=$(e2e_pane_pid "$1") || return 0
	ps -e -o pid=,ppid=,stat=,comm= | awk -v root="$root" '
		{ pid[NR] = $1; ppid[NR] = $2; stat[NR] = $3; comm[NR] = $4 }
		END {
			depth[root] = 0; grew = 1
			while (grew) {
				grew = 0
				for (i = 1; i <= NR; i++)
					if (!(pid[i] in depth) && (ppid[i] in depth)) { depth[pid[i]] = depth[ppid[i]] + 1; grew = 1 }
			}
			best = ""
			for (i = 1; i <= NR; i++)
				if ((pid[i] in depth) && comm[i] == "claude" && stat[i] !~ /^Z/ && (best == "" || depth[pid[i]] < depth[best]))
					best = pid[i]
			if (best != "") print best
		}'
}

# e2e_proc_env PID NAME: the value of NAME in the process's initial environment.
e2e_proc_env() {
	{ tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null | sed -n "s/^$2=//p" | head -n 1
}

# The process's arguments, one a line.
e2e_proc_args() {
	{ tr '\0' '\n' <"/proc/$1/cmdline"; } 2>/dev/null
}

# e2e_proc_has_resume PID ID: the process was started with `--resume ID` (or `--resume=ID`).
e2e_proc_has_resume() {
	e2e_proc_args "$1" | awk -v id="$2" '
		prev == "--resume" && $0 == id { found = 1 }
		$0 == "--resume=" id { found = 1 }
		{ prev = $0 }
		END { exit !found }'
}

# e2e_json_get FILE KEY: a top-level string/number field of a JSON file (empty when absent).
e2e_json_get() {
	python3 -c 'import json,sys
try:
    v = json.load(open(sys.argv[1])).get(sys.argv[2])
except (OSError, ValueError):
    v = None
print("" if v is None else v)' "$1" "$2"
}
