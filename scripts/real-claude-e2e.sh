#!/usr/bin/env bash
# End-to-end proof against the REAL Claude Code CLI (installed from npm) talking to a local mock
# of the Anthropic API, on a throwaway tmux server:
#   a real usage limit on account `a` restarts the pane in place on account `b` with
#   `--resume <its session id>` (one swap), and nothing else swaps: not the limit that the resumed
#   session redraws, not a 529 overload, not a 429 server throttle.
#
# usage: scripts/real-claude-e2e.sh [PATH-TO-claude-failover]
#   Without a path, `cargo build --release` runs in this repository and its binary is used.
# environment:
#   CLAUDE_E2E_VERSION  npm version or tag of @anthropic-ai/claude-code (default: latest)
#   CLAUDE_E2E_MOCK     the mock API script (default: scripts/mock-anthropic.py in the repo)
#   CLAUDE_E2E_TZ       time zone of the CLI (default: Europe/Paris)
#   CLAUDE_E2E_CONFIRM_POLLS  @claude-failover-confirm-polls until the swap (default: 2)
#   CLAUDE_E2E_KEEP=1   keep the temporary folder (it is always kept when the run fails)
# exit: 0 all checks passed, 1 a check failed or the CLI could not be installed, 2 usage.
set -Eeuo pipefail

HERE=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -P -- "$HERE/.." && pwd)
# shellcheck source=scripts/lib/e2e.sh
. "$HERE/lib/e2e.sh"
# shellcheck source=scripts/lib/claude-env.sh
. "$HERE/lib/claude-env.sh"

case "${1:-}" in
-h | --help)
	awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
	exit 0
	;;
esac
if (($# > 1)); then
	echo "usage: $0 [PATH-TO-claude-failover]" >&2
	exit 2
fi

for tool in tmux python3 ps awk timeout; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "real-claude-e2e: '$tool' is required but not installed" >&2
		exit 1
	}
done

# ---------------------------------------------------------------------------------------------
# The binary under test, the CLI, the mock: all resolved before HOME is replaced below.
if (($# == 1)); then
	CF=$(cd -P -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")
else
	e2e_log "building claude-failover (scripts/build.sh) ..."
	timeout 1500 "$REPO/scripts/build.sh" --quiet
	CF="${CARGO_TARGET_DIR:-$REPO/target}/release/claude-failover"
fi
[[ -x $CF ]] || {
	echo "real-claude-e2e: $CF is not an executable" >&2
	exit 1
}

MOCK=${CLAUDE_E2E_MOCK:-}
if [[ -z $MOCK ]]; then
	for m in "$REPO/scripts/mock-anthropic.py"; do
		if [[ -f $m ]]; then
			MOCK=$m
			break
		fi
	done
fi
[[ -n $MOCK && -f $MOCK ]] || {
	echo "real-claude-e2e: the mock API script was not found; set CLAUDE_E2E_MOCK" >&2
	exit 1
}

if ! CLAUDE=$(cfe_install_claude "${CLAUDE_E2E_VERSION:-latest}"); then
	echo "real-claude-e2e: FAIL: the real Claude Code CLI is not available, so nothing was tested" >&2
	exit 1
fi
CLAUDE_VERSION=$(timeout 30 "$CLAUDE" --version | awk '{print $1}')
e2e_log "claude-failover: $CF"
e2e_log "claude: $CLAUDE ($CLAUDE_VERSION)"
E2E_T0=$(date +%s%N)

# ---------------------------------------------------------------------------------------------
# A private world: HOME, XDG folders, tmux sockets, all under one temporary folder.
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/cf-e2e.XXXXXX")
ROOT=$(cd -P -- "$ROOT" && pwd)
E2E_SOCK="cfe2e-$$"
CFE_MOCK_PID=""
KNOWN_CLAUDE_PIDS=()

cleanup() {
	local rc=$?
	trap - EXIT INT TERM ERR
	if ((rc != 0)) && ((!E2E_SUMMARY_DONE)); then
		e2e_fail "unexpected error (exit $rc) near line ${E2E_ERR_LINE:-?} of $0"
		e2e_summary
	fi
	cfe_stop_run "$ROOT"
	if ((rc == 0 && E2E_FAILED == 0)) && [[ ${CLAUDE_E2E_KEEP:-} != 1 ]]; then
		rm -rf -- "$ROOT"
	else
		echo "temporary folder kept for inspection: $ROOT"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'E2E_ERR_LINE=$LINENO' ERR
trap 'exit 130' INT TERM

cfe_private_world "$ROOT"
WORK="$ROOT/work"
A="$HOME/acct-a"
B="$HOME/acct-b"
SHARED="$HOME/.claude-shared"
mkdir -p "$WORK"

cf() {
	timeout 60 "$CF" -L "$E2E_SOCK" "$@"
}

# When a step cannot go on: what the pane, the mock and the event log show, then stop.
abort() {
	e2e_fail "$1"
	if [[ -n ${PANE:-} ]]; then
		echo "--- pane $PANE screen:"
		e2e_capture "$PANE" 2>/dev/null | sed -e 's/ *$//' -e '/^$/d' | sed 's/^/  | /' || true
	fi
	echo "--- mock log (last 5):"
	tail -n 5 "$ROOT/mock.log" 2>/dev/null | sed 's/^/  | /' || true
	echo "--- events:"
	cf events 2>&1 | tail -n 10 | sed 's/^/  | /' || true
	e2e_summary
	exit 1
}

# ---------------------------------------------------------------------------------------------
e2e_log "mock API ..."
PORT=$(cfe_free_port)
echo ok >"$ROOT/mode"
cfe_start_mock "$MOCK" "$PORT" "$ROOT/mode" "$ROOT/mock.log" 540 || abort "mock API started"
mode() {
	echo "$1" >"$ROOT/mode"
	e2e_log "mock mode: $1"
}
TZ_E2E=${CLAUDE_E2E_TZ:-Europe/Paris}
while IFS= read -r kv; do export "${kv?}"; done < <(cfe_mock_env "$PORT" "$TZ_E2E")

cfe_write_claude_home "$A" "$WORK" "$CLAUDE_VERSION"
cfe_write_claude_home "$B" "$WORK" "$CLAUDE_VERSION"

e2e_log "tmux server -L $E2E_SOCK ..."
e2e_tmux new-session -d -s e2e -x 200 -y 50 -c "$WORK" -n claude "bash --noprofile --norc -i"
# Set explicitly too, so every respawned pane gets the mock environment whatever the server inherited.
while IFS= read -r kv; do e2e_tmux set-environment -g "${kv%%=*}" "${kv#*=}"; done < <(cfe_mock_env "$PORT" "$TZ_E2E")
e2e_tmux set-option -g @claude-failover-accounts "a=$A b=$B"
e2e_tmux set-option -g @claude-failover-shared-dir "$SHARED"
CONFIRM_POLLS=${CLAUDE_E2E_CONFIRM_POLLS:-2}
e2e_tmux set-option -g @claude-failover-confirm-polls "$CONFIRM_POLLS"
e2e_tmux set-option -g @claude-failover-confirm-gap 1
e2e_tmux set-option -g @claude-failover-cooldown 0
e2e_tmux set-option -g @claude-failover-command "$CLAUDE"
PANE=$(e2e_tmux display-message -p -t e2e:claude '#{pane_id}')
WINDOW=$(e2e_tmux display-message -p -t "$PANE" '#{window_id}')

# ---------------------------------------------------------------------------------------------
e2e_log "claude-failover links ensure ..."
if ! out=$(cf links ensure 2>&1); then
	printf '%s\n' "$out" | sed 's/^/  | /'
	abort "links ensure exits 0"
fi
links_ok() {
	local acct item
	for acct in "$A" "$B"; do
		for item in projects file-history session-env; do
			[[ -L $acct/$item && $(cd -P -- "$acct/$item" 2>/dev/null && pwd) == "$SHARED/$item" ]] || return 1
		done
	done
}
links_ok || {
	ls -la "$A" "$B" "$SHARED" 2>&1 | sed 's/^/  | /' || true
	abort "links ensure links projects, file-history, session-env of a and b into $SHARED"
}
e2e_pass "links ensure: both homes link into the shared folder"

# ---------------------------------------------------------------------------------------------
e2e_log "starting the real claude in $PANE with CLAUDE_CONFIG_DIR=acct-a ..."
e2e_wait_until 10 eval '[[ -n $(e2e_capture "$PANE" | tr -d "[:space:]") ]]' || abort "the pane's shell shows a prompt"
e2e_type "$PANE" "CLAUDE_CONFIG_DIR='$A' '$CLAUDE'"
e2e_wait_until 40 e2e_screen_prompt_ready "$PANE" || abort "claude shows its input prompt within 40 s"
SHELL_PID=$(e2e_pane_pid "$PANE") || abort "tmux reports the pane's pid"
C1=$(e2e_pane_claude_pid "$PANE")
[[ -n $C1 ]] || abort "a process named claude runs in the pane"
KNOWN_CLAUDE_PIDS+=("$C1")
e2e_wait_until 20 test -f "$A/sessions/$C1.json" || abort "claude writes acct-a/sessions/$C1.json"
SID=$(e2e_json_get "$A/sessions/$C1.json" sessionId)
e2e_log "claude pid $C1 (child of the pane's shell $SHELL_PID), session $SID"

mode ok
MARK="E2E-MARKER-$RANDOM$RANDOM"
e2e_type "$PANE" "Please answer $MARK"
e2e_wait_until 30 e2e_screen_has "$PANE" "Hello from the local mock server" || abort "the ok turn is answered"
e2e_wait_until 10 e2e_screen_idle "$PANE" || abort "the ok turn ends"
TRANSCRIPT="$SHARED/projects/$(printf '%s' "$WORK" | sed 's/[^A-Za-z0-9]/-/g')/$SID.jsonl"
e2e_check "the transcript is written into the shared folder ($TRANSCRIPT)" test -s "$TRANSCRIPT"

# The event log as JSON lines, in $ROOT/events.jsonl; "?" on failure so that checks fail visibly.
events_count() { # EVENT [FIELD VALUE]: how many EVENTs (whose FIELD is VALUE)
	if ! cf events --json >"$ROOT/events.jsonl" 2>"$ROOT/events.err"; then
		echo "?"
		return 0
	fi
	python3 -c 'import json,sys
a = sys.argv
evs = [json.loads(l) for l in open(a[1]) if l.strip()]
print(sum(1 for e in evs if e.get("event") == a[2] and (len(a) < 5 or str(e.get(a[3])) == a[4])))' \
		"$ROOT/events.jsonl" "$@" 2>/dev/null || echo "?"
}
# events_field EVENT FIELD: FIELD of the first EVENT in $ROOT/events.jsonl, as JSON.
events_field() {
	python3 -c 'import json,sys
for l in open(sys.argv[1]):
    e = json.loads(l) if l.strip() else {}
    if e.get("event") == sys.argv[2]:
        print(json.dumps(e.get(sys.argv[3])))
        break' "$ROOT/events.jsonl" "$1" "$2" 2>/dev/null || true
}
TICK_N=0
tick() {
	TICK_N=$((TICK_N + 1))
	local out
	out=$(cf tick 2>&1) || e2e_log "tick $TICK_N exited non-zero: $out"
	printf '[%s] tick %d: %s\n' "$(e2e_elapsed)" "$TICK_N" "$out" >>"$ROOT/ticks.log"
}

e2e_log "two ticks on a healthy pane ..."
tick
sleep 1.5
tick
n=$(events_count swap)
[[ $n != "?" ]] || abort "claude-failover events --json works: $(cat "$ROOT/events.err")"
e2e_check "no swap while the pane is healthy (swaps: $n)" test "$n" = 0

# ---------------------------------------------------------------------------------------------
mode 429usage5h
LIMIT_MARK="E2E-LIMIT-$RANDOM"
e2e_type "$PANE" "Please answer $LIMIT_MARK"
e2e_wait_until 30 e2e_screen_has "$PANE" "You've hit your" || abort "the usage limit is shown"
e2e_log "the limit is on screen; ticking every 1.5 s until the pane is restarted ..."
first=$((TICK_N + 1))
swapped_at=""
for ((i = 0; i < 20; i++)); do
	tick
	if [[ $(e2e_pane_pid "$PANE") != "$SHELL_PID" ]]; then
		swapped_at=$TICK_N
		break
	fi
	sleep 1.5
done
[[ -n $swapped_at ]] || abort "the pane is restarted within 20 ticks of a confirmed usage limit"
polls=$((swapped_at - first + 1))
e2e_log "pane restarted by tick $swapped_at (the limit's poll number $polls)"
e2e_check "the swap waits for confirmation ($CONFIRM_POLLS polls ≥ 1 s apart; swapped on poll $polls)" \
	test "$polls" = "$CONFIRM_POLLS"

e2e_wait_until 30 e2e_screen_prompt_ready "$PANE" || abort "the resumed claude shows its prompt"
C2=""
e2e_wait_until 20 eval 'C2=$(e2e_pane_claude_pid "$PANE"); [[ -n $C2 ]]' || abort "claude runs in the restarted pane"
KNOWN_CLAUDE_PIDS+=("$C2")

n=$(events_count swap)
e2e_check "exactly one swap event (got $n)" test "$n" = 1
e2e_log "swap event: $(grep -m1 '"swap"' "$ROOT/events.jsonl" || true)"
e2e_check "the swap event goes from a to b" \
	test "$(events_field swap from) $(events_field swap to)" = '"a" "b"'
e2e_check "the swap event names pane $PANE" grep -qF -- "\"$PANE\"" <<<"$(events_field swap panes)"
e2e_check "the pane id is unchanged ($PANE in window $WINDOW)" \
	test "$(e2e_tmux list-panes -t "$WINDOW" -F '#{pane_id}')" = "$PANE"
e2e_check "the restarted claude (pid $C2) runs with CLAUDE_CONFIG_DIR=acct-b" \
	test "$(e2e_proc_env "$C2" CLAUDE_CONFIG_DIR)" = "$B"
e2e_check "the restarted claude was launched with --resume $SID" e2e_proc_has_resume "$C2" "$SID"
e2e_log "restarted claude: $(e2e_proc_args "$C2" | tr '\n' ' ')"
e2e_check "the resumed session shows the earlier turn ($MARK)" \
	e2e_wait_until 20 e2e_screen_has "$PANE" "$MARK"
e2e_check "acct-b/sessions/$C2.json carries the same session id" \
	e2e_wait_until 20 eval '[[ $(e2e_json_get "$B/sessions/$C2.json" sessionId) == "$SID" ]]'
e2e_check "tmux's global CLAUDE_CONFIG_DIR is acct-b" \
	test "$(e2e_tmux show-environment -g CLAUDE_CONFIG_DIR 2>/dev/null)" = "CLAUDE_CONFIG_DIR=$B"

# The resumed session draws the old limit again: it must not count as a new one. From here on a
# single sighting is enough to act (confirm-polls 1), so any miscounted limit shows up at once
# instead of hiding behind the confirmation.
e2e_check "the resumed screen redraws the old limit (the trap is armed)" e2e_screen_has "$PANE" "You've hit your"
e2e_tmux set-option -g @claude-failover-confirm-polls 1
e2e_log "confirm-polls is now 1"
for ((i = 0; i < 5; i++)); do
	sleep 1.5
	tick
done
n=$(events_count swap)
e2e_check "the redrawn limit does not swap again over 5 ticks (swaps: $n)" test "$n" = 1
n=$(events_count all-exhausted)
e2e_check "no all-exhausted event from the redrawn limit (got $n)" test "$n" = 0
n=$(events_count limit account b)
e2e_check "no limit is recorded for account b (got $n)" test "$n" = 0
e2e_check "the pane still runs the same claude (pid $C2)" test "$(e2e_pane_claude_pid "$PANE")" = "$C2"

# ---------------------------------------------------------------------------------------------
# Server errors on the new account: never a swap.
fresh_error_turn() { # MODE TEXT-TO-WAIT-FOR
	mode "$1"
	e2e_type "$PANE" "Please answer E2E-$1-$RANDOM"
	e2e_wait_until 40 e2e_screen_has "$PANE" "$2" || abort "the $1 error is shown ($2)"
	e2e_wait_until 20 e2e_screen_idle "$PANE" || abort "the $1 turn ends"
	for ((i = 0; i < 4; i++)); do
		tick
		sleep 1.5
	done
	local s x l
	s=$(events_count swap)
	x=$(events_count all-exhausted)
	l=$(events_count limit account b)
	e2e_check "$1: no swap, all-exhausted or limit on b after 4 ticks (swaps: $s, all-exhausted: $x, limits on b: $l)" \
		test "$s/$x/$l" = "1/0/0"
	e2e_check "$1: the pane still runs the same claude (pid $C2)" test "$(e2e_pane_claude_pid "$PANE")" = "$C2"
}
fresh_error_turn 529 "API Error: 529"
fresh_error_turn 429plain "not your usage limit"

e2e_log "tick outputs: $ROOT/ticks.log"
e2e_summary
((E2E_FAILED == 0))
