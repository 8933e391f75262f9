#!/usr/bin/env bash
# End-to-end proof against the REAL Claude Code CLI (installed from npm) talking to a local mock
# of the Anthropic API, on a throwaway tmux server:
#   a real usage limit on account `a` restarts the pane in place on account `b` with
#   `--resume <its session id>` (one swap), and nothing else swaps: not the limit that the resumed
#   session redraws, not a 529 overload, not a 429 server throttle.
# Then the hook fast path, with no tick and no polling chain at all: the plugin's StopFailure hook
#   (`claude-hooks install`, on accounts b and c only, so the first swap above is the screens'
#   alone) sees the 529 and the throttle on b and swaps nothing, and a real usage limit on b swaps
#   the pane to c by itself, which resumes the same conversation and answers the next prompt.
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

cfe_require_tools real-claude-e2e

# ---------------------------------------------------------------------------------------------
# The binary under test, the CLI, the mock: all resolved before HOME is replaced below.
cfe_set_cf real-claude-e2e "${1:-}"

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
# Claude Code runs StopFailure hooks from 2.1.78 on; older releases get the screen checks only.
HOOKS_CLI=1
if [[ $(printf '%s\n' 2.1.78 "$CLAUDE_VERSION" | sort -V | head -n 1) != 2.1.78 ]]; then
	HOOKS_CLI=0
	e2e_log "NOTE: Claude Code $CLAUDE_VERSION runs no StopFailure hook (2.1.78+): the hook checks are not run"
fi

# ---------------------------------------------------------------------------------------------
# A private world: HOME, XDG folders, tmux sockets, all under one temporary folder.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM ERR
	if ((rc != 0)) && ((!E2E_SUMMARY_DONE)); then
		e2e_fail "unexpected error (exit $rc) near line ${E2E_ERR_LINE:-?} of $0"
		e2e_summary
	fi
	cfe_finish_run "$ROOT" "$rc"
	exit "$rc"
}
cfe_new_run e2e

cfe_private_world "$ROOT"
WORK="$ROOT/work"
A="$HOME/acct-a"
B="$HOME/acct-b"
C="$HOME/acct-c"
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
cfe_mock_up "$MOCK" 540 || abort "mock API started"
mode() {
	echo "$1" >"$ROOT/mode"
	e2e_log "mock mode: $1"
}

cfe_write_claude_home "$A" "$WORK" "$CLAUDE_VERSION"
cfe_write_claude_home "$B" "$WORK" "$CLAUDE_VERSION"
cfe_write_claude_home "$C" "$WORK" "$CLAUDE_VERSION"

e2e_log "tmux server -L $E2E_SOCK ..."
e2e_tmux new-session -d -s e2e -x 200 -y 50 -c "$WORK" -n claude "bash --noprofile --norc -i"
# Set explicitly too, so every respawned pane gets the mock environment whatever the server inherited.
while IFS= read -r kv; do e2e_tmux set-environment -g "${kv%%=*}" "${kv#*=}"; done < <(cfe_mock_env "$PORT" "$TZ_E2E")
e2e_tmux set-option -g @claude-failover-accounts "a=$A b=$B c=$C"
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
	for acct in "$A" "$B" "$C"; do
		for item in projects file-history session-env; do
			[[ -L $acct/$item && $(cd -P -- "$acct/$item" 2>/dev/null && pwd) == "$SHARED/$item" ]] || return 1
		done
	done
}
links_ok || {
	ls -la "$A" "$B" "$SHARED" 2>&1 | sed 's/^/  | /' || true
	abort "links ensure links projects, file-history, session-env of a and b into $SHARED"
}
e2e_pass "links ensure: every home links into the shared folder"

# The StopFailure hook on b and c only (install acts on every configured account): the limit on a
# below must be found by the screens alone, the one on b by the hook alone.
e2e_log "claude-failover claude-hooks install (accounts b and c) ..."
e2e_tmux set-option -g @claude-failover-accounts "b=$B c=$C"
out=$(cf claude-hooks install 2>&1) || {
	printf '%s\n' "$out" | sed 's/^/  | /'
	abort "claude-hooks install exits 0"
}
e2e_tmux set-option -g @claude-failover-accounts "a=$A b=$B c=$C"
e2e_check "the hook is in b's and c's settings.json, not in a's" \
	eval 'grep -q "claude-hook" "$B/settings.json" && grep -q "claude-hook" "$C/settings.json" && ! grep -q "claude-hook" "$A/settings.json"'

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
	# No tick yet: only b's StopFailure hook can act here. A throttle reaches it (matcher
	# rate_limit) and is ignored; a 529 is not a rate_limit stop and does not start it.
	local h0=$HOOKS_SEEN
	((HOOKS_CLI)) || h0=skip
	if [[ $h0 != skip ]] && e2e_wait_until 3 eval 'HOOKS_SEEN=$(events_count claude-hook); [[ $HOOKS_SEEN != "$h0" ]]'; then
		e2e_log "$1: hook job: $(grep '"claude-hook"' "$ROOT/events.jsonl" | tail -n 1)"
	fi
	local ign
	ign=$(events_count claude-hook decision ignored)
	case $h0/$1 in
	skip/*) ;;
	*/429plain) e2e_check "$1: the hook ran and ignored it (claude-hook events: $h0 -> $HOOKS_SEEN, ignored: $ign)" \
		test "$((HOOKS_SEEN - h0))/$ign" = "1/1" ;;
	*) e2e_check "$1: no hook job (claude-hook events: $h0 -> $HOOKS_SEEN)" test "$HOOKS_SEEN" = "$h0" ;;
	esac
	e2e_check "$1: no swap through the hook (swaps: $(events_count swap))" test "$(events_count swap)" = 1
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
HOOKS_SEEN=$(events_count claude-hook)
e2e_check "no hook job so far (claude-hook events: $HOOKS_SEEN)" test "$HOOKS_SEEN" = 0
fresh_error_turn 529 "API Error: 529"
fresh_error_turn 429plain "not your usage limit"

# ---------------------------------------------------------------------------------------------
# The hook fast path: a real usage limit on b, and nothing polls. This script is the only thing
# that ticks (there is no plugin file on this server, so no status segment and no run-shell
# chain); the status line is also switched off, and the check below proves nothing ticked.
if ((!HOOKS_CLI)); then
	e2e_log "tick outputs: $ROOT/ticks.log"
	e2e_log "NOTE: the hook fast path was not checked: Claude Code $CLAUDE_VERSION runs no StopFailure hook"
	e2e_summary
	exit $((E2E_FAILED == 0 ? 0 : 1))
fi
e2e_tmux set-option -g status off
e2e_check "no tmux status segment runs claude-failover" \
	eval '! e2e_tmux show-options -g 2>/dev/null | grep -E "^status-(left|right|format)" | grep -q claude-failover'
chain=$(ps -eo pid=,args= | grep -F -- "$CF" | grep -F -- "--chain" | grep -v grep || true)
e2e_check "no polling chain runs (${chain:-none})" test -z "$chain"
TICKS_BEFORE=$TICK_N
mode 429usage5h
MOCK_LINES=$(wc -l <"$ROOT/mock.log")
HOOK_MARK="E2E-HOOK-LIMIT-$RANDOM"
SENT_NS=$(date +%s%N)
e2e_type "$PANE" "Please answer $HOOK_MARK"
e2e_log "limit on b sent; waiting for the hook's swap, no tick ..."
e2e_wait_until 30 eval '[[ $(events_count swap) == 2 ]]' || abort "the hook swaps b -> c with no tick within 30 s"
SEEN_NS=$(date +%s%N)
e2e_check "no tick ran in the hook phase (ticks: $TICK_N, before: $TICKS_BEFORE)" test "$TICK_N" = "$TICKS_BEFORE"
# Times: prompt sent / limit answered by the mock / hook job decided / restart begun / swap logged
# (the swap event is logged once the restarted pane runs Claude again).
read -r LIMIT_S HOOK_S RESTART_S SWAP_S HOOK_WAITED HOOK_EVIDENCE HOOK_ERROR < <(python3 - "$ROOT/mock.log" "$MOCK_LINES" "$ROOT/events.jsonl" <<'PY'
import json, re, sys, datetime
log, skip, evf = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(log).read().splitlines()
epoch = float(re.search(r"epoch=([0-9.]+)", next(l for l in lines if l.startswith("mock start"))).group(1))
limit = "?"
for l in lines[skip:]:
    m = re.match(r"\s*([0-9.]+) POST /v1/messages\S* .*max_tokens=(\d+)", l)
    if m and int(m.group(2)) > 512:
        limit = f"{epoch + float(m.group(1)):.3f}"
        break
def ts(e):
    return f"{datetime.datetime.fromisoformat(e['ts'].replace('Z', '+00:00')).timestamp():.3f}"
evs = [json.loads(l) for l in open(evf) if l.strip()]
swap = [e for e in evs if e.get("event") == "swap"][-1]
hook = [e for e in evs if e.get("event") == "claude-hook" and e.get("decision") == "limit"]
h = hook[-1] if hook else {}
# The swap's journal is named after the moment the restart began (ms since the epoch).
j = str(swap.get("journal", "?")).split("-")[0]
print(limit, ts(h) if h else "?", f"{int(j) / 1000:.3f}" if j.isdigit() else "?", ts(swap), h.get("waited_ms", "?"), h.get("evidence", "?"), h.get("error", "?"))
PY
)
ms() { python3 -c 'import sys; a, b = sys.argv[1:]; print("?" if "?" in (a, b) else round((float(b) - float(a)) * 1000))' "$1" "$2"; }
SENT_S=$(python3 -c "print(f'{$SENT_NS / 1e9:.3f}')")
FROM_SENT=$(ms "$SENT_S" "$SWAP_S")
FROM_LIMIT=$(ms "$LIMIT_S" "$SWAP_S")
e2e_log "hook job: error=$HOOK_ERROR evidence=$HOOK_EVIDENCE waited_ms=$HOOK_WAITED"
e2e_log "TIMES: prompt sent -> swap event $FROM_SENT ms; limit response (mock) -> swap event $FROM_LIMIT ms; limit -> hook job decided $(ms "$LIMIT_S" "$HOOK_S") ms; limit -> restart begun (journal) $(ms "$LIMIT_S" "$RESTART_S") ms; swap event -> seen by this script $(ms "$SWAP_S" "$(python3 -c "print($SEEN_NS / 1e9)")") ms"
e2e_check "the hook job decided from the transcript's record (evidence: $HOOK_EVIDENCE)" test "$HOOK_EVIDENCE" = transcript
e2e_check "the second swap event goes from b to c" \
	test "$(python3 -c 'import json,sys; e=[json.loads(l) for l in open(sys.argv[1]) if l.strip()]; s=[x for x in e if x.get("event")=="swap"][-1]; print(s.get("from"), s.get("to"))' "$ROOT/events.jsonl")" = "b c"
e2e_wait_until 30 e2e_screen_prompt_ready "$PANE" || abort "the claude resumed on c shows its prompt"
C3=""
e2e_wait_until 20 eval 'C3=$(e2e_pane_claude_pid "$PANE"); [[ -n $C3 && $C3 != "$C2" ]]' || abort "a new claude runs in the pane"
KNOWN_CLAUDE_PIDS+=("$C3")
e2e_check "the pane id is still $PANE" test "$(e2e_tmux list-panes -t "$WINDOW" -F '#{pane_id}')" = "$PANE"
e2e_check "the claude restarted by the hook (pid $C3) runs with CLAUDE_CONFIG_DIR=acct-c" \
	test "$(e2e_proc_env "$C3" CLAUDE_CONFIG_DIR)" = "$C"
e2e_check "it was launched with --resume $SID" e2e_proc_has_resume "$C3" "$SID"
e2e_check "acct-c/sessions/$C3.json carries the same session id" \
	e2e_wait_until 20 eval '[[ $(e2e_json_get "$C/sessions/$C3.json" sessionId) == "$SID" ]]'
e2e_check "the resumed session shows the turn before the limit ($HOOK_MARK)" \
	e2e_wait_until 20 e2e_screen_has "$PANE" "$HOOK_MARK"
mode ok
NEXT_MARK="E2E-ON-C-$RANDOM"
e2e_type "$PANE" "Please answer $NEXT_MARK"
answered_on_c() { # the transcript has NEXT_MARK's prompt followed by the mock's answer
	python3 - "$TRANSCRIPT" "$NEXT_MARK" <<'PY'
import json, sys
seen = False
for l in open(sys.argv[1]):
    try:
        e = json.loads(l)
    except ValueError:
        continue
    text = json.dumps(e.get("message", {}).get("content", ""))
    if e.get("type") == "user" and sys.argv[2] in text:
        seen = True
    elif seen and e.get("type") == "assistant" and "Hello from the local mock server" in text:
        sys.exit(0)
sys.exit(1)
PY
}
e2e_check "the next prompt is answered on c, in the same conversation ($TRANSCRIPT)" \
	e2e_wait_until 30 answered_on_c
e2e_check "the pane still runs the same claude on c (pid $C3)" test "$(e2e_pane_claude_pid "$PANE")" = "$C3"
n=$(events_count swap)
e2e_check "two swaps in all: the screens' a -> b and the hook's b -> c (got $n)" test "$n" = 2

e2e_log "tick outputs: $ROOT/ticks.log"
e2e_summary
((E2E_FAILED == 0))
