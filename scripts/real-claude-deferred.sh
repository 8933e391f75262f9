#!/usr/bin/env bash
# The Stop hook with the REAL Claude Code CLI (from npm) against the local mock API: a pane busy
# when a hook-driven swap comes is deferred, and its own `Stop` hook restarts it on the next
# account the moment its turn ends. No tick, no polling chain, no status line, no client.
#
# Two panes run the real `claude` on account a (of a, b; `claude-hooks install` on both). Pane 2
# starts a turn the mock answers after 8 s (`okslow8`); meanwhile pane 1's turn gets the 5-hour
# limit, whose StopFailure hook swaps to b and defers pane 2. A user `Stop` hook (in the work
# folder's settings.local.json) records what Claude's live-session file says when Stop runs.
#
#   scripts/real-claude-deferred.sh [PATH-TO-claude-failover]   (default: build the release one)
#
# Environment: CLAUDE_E2E_VERSION (npm version or tag, default 2.1.332: the release measured),
# CFE_PORT_RANGE (LOW-HIGH for the mock's port), CLAUDE_E2E_KEEP=1 (keep the temporary folder).
# Prints PASS/FAIL per check and a TIMES: line; exit 0 all passed, 1 otherwise.
set -Eeuo pipefail

HERE=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -P -- "$HERE/.." && pwd)
E2E_SOCK="cfdefer-$$"
# shellcheck source=scripts/lib/e2e.sh
. "$HERE/lib/e2e.sh"
# shellcheck source=scripts/lib/claude-env.sh
. "$HERE/lib/claude-env.sh"

for tool in tmux python3 jq ps awk timeout; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "real-claude-deferred: '$tool' is required but not installed" >&2
		exit 1
	}
done
if (($# == 1)); then
	CF=$(cd -P -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")
else
	timeout 1500 "$REPO/scripts/build.sh" --quiet
	CF="${CARGO_TARGET_DIR:-$REPO/target}/release/claude-failover"
fi
[[ -x $CF ]] || { echo "real-claude-deferred: $CF is not an executable" >&2; exit 1; }
CLAUDE=$(cfe_install_claude "${CLAUDE_E2E_VERSION:-2.1.332}") || {
	echo "real-claude-deferred: FAIL: the real Claude Code CLI is not available, so nothing was tested" >&2
	exit 1
}
VERSION=$(timeout 30 "$CLAUDE" --version | awk '{print $1}')
e2e_log "claude: $CLAUDE ($VERSION); claude-failover: $CF"

ROOT=$(mktemp -d "${TMPDIR:-/tmp}/cf-deferred-e2e.XXXXXX")
ROOT=$(cd -P -- "$ROOT" && pwd)
CFE_MOCK_PID=""
KNOWN_CLAUDE_PIDS=()
cleanup() {
	local rc=$?
	trap - EXIT
	cfe_finish_run "$ROOT" "$rc"
	exit "$rc"
}
trap cleanup EXIT

cfe_private_world "$ROOT"
A="$HOME/acct-a"
B="$HOME/acct-b"
WORK="$ROOT/work"
EV="$XDG_STATE_HOME/claude-failover/events.jsonl"
mkdir -p "$WORK/.claude"
cf() { timeout 60 "$CF" -L "$E2E_SOCK" "$@"; }
abort() {
	e2e_fail "$1"
	cf events 2>&1 | tail -n 10 | sed 's/^/  | /' || true
	e2e_summary
	exit 1
}

PORT=$(cfe_free_port)
echo ok >"$ROOT/mode"
cfe_start_mock "$REPO/scripts/mock-anthropic.py" "$PORT" "$ROOT/mode" "$ROOT/mock.log" 300 ||
	abort "mock API started"
while IFS= read -r kv; do export "${kv?}"; done < <(cfe_mock_env "$PORT" UTC)
for acct in "$A" "$B"; do
	cfe_write_claude_home "$acct" "$WORK" "$VERSION"
done
e2e_tmux new-session -d -s e2e -x 200 -y 50 -c "$WORK" -n one "bash --noprofile --norc -i"
while IFS= read -r kv; do e2e_tmux set-environment -g "${kv%%=*}" "${kv#*=}"; done < <(cfe_mock_env "$PORT" UTC)
e2e_tmux set-option -g @claude-failover-accounts "a=$A b=$B"
e2e_tmux set-option -g @claude-failover-shared-dir "$HOME/.claude-shared"
e2e_tmux set-option -g @claude-failover-command "$CLAUDE"
cf links ensure >/dev/null || abort "links ensure exits 0"
cf claude-hooks install >/dev/null || abort "claude-hooks install exits 0"
# What the live-session file says when Claude runs its Stop hooks.
python3 - "$WORK/.claude/settings.local.json" "$ROOT/stop.log" <<'PY'
import json, sys
cmd = ('echo "$(date +%s.%N) $TMUX_PANE $(grep -o \'"status":"[a-z]*"\' '
       '"$CLAUDE_CONFIG_DIR/sessions/$CLAUDE_PID.json")" >> ' + "'" + sys.argv[2] + "'")
json.dump({"hooks": {"Stop": [{"hooks": [{"type": "command", "command": cmd}]}]}}, open(sys.argv[1], "w"))
PY

P1=$(e2e_tmux display-message -p -t e2e:one '#{pane_id}')
P2=$(e2e_tmux new-window -d -P -F '#{pane_id}' -t e2e -n two -c "$WORK" "bash --noprofile --norc -i")
for p in "$P1" "$P2"; do
	e2e_tmux send-keys -t "$p" -l "CLAUDE_CONFIG_DIR='$A' '$CLAUDE'"
	e2e_tmux send-keys -t "$p" Enter
done
for p in "$P1" "$P2"; do
	e2e_wait_until 60 e2e_screen_prompt_ready "$p" || abort "Claude ready in $p"
	KNOWN_CLAUDE_PIDS+=("$(e2e_pane_claude_pid "$p")")
	e2e_submit "$p" "hello from $p"
done
for p in "$P1" "$P2"; do
	e2e_wait_until 60 e2e_screen_idle "$p" || abort "the first answer in $p"
done

echo okslow8 >"$ROOT/mode"
e2e_submit "$P2" "a long one"
e2e_wait_until 10 eval 'grep -q nmsg=4 "$ROOT/mock.log"' || abort "pane 2's long turn reached the API"
echo 429usage5h >"$ROOT/mode"
e2e_submit "$P1" "hit the limit"
e2e_wait_until 30 grep -qs '"event":"swap"' "$EV" || abort "a swap event from the StopFailure hook"
echo ok >"$ROOT/mode"
SWAP=$(grep '"event":"swap"' "$EV")
e2e_check "the swap deferred the busy pane $P2" \
	test "$(jq -r --arg p "$P2" '.panes[] | select(.pane == $p) | .outcome' <<<"$SWAP")" = deferred
ID2=$(jq -r --arg p "$P2" '.panes[] | select(.pane == $p) | .session_id' <<<"$SWAP")
e2e_wait_until 30 grep -qs '"event":"stop-hook"' "$EV" || abort "the Stop hook's job ran"
STOP=$(grep '"event":"stop-hook"' "$EV")
RESTART=$(grep '"deferred":true,"event":"pane-restarted"' "$EV" || true)
e2e_check "the Stop job restarted it (decision: $(jq -r .decision <<<"$STOP"))" \
	test "$(jq -r .decision <<<"$STOP")" = restarted
e2e_check "one deferred restart of $P2 to b" \
	test "$(jq -r '.pane + " " + .to' <<<"$RESTART")" = "$P2 b"
NEW=$(e2e_pane_claude_pid "$P2")
KNOWN_CLAUDE_PIDS+=("$NEW")
e2e_check "the new Claude runs on b and resumes $ID2" \
	eval '[[ -n $NEW && $(e2e_proc_env "$NEW" CLAUDE_CONFIG_DIR) == "$B" ]] && e2e_proc_has_resume "$NEW" "$ID2"'
AT_STOP=$(grep -F " $P2 " "$ROOT/stop.log" | tail -n 1 | cut -d' ' -f3-)
e2e_log "live-session file when pane 2's Stop hook ran: $AT_STOP"

END=$(grep -h '"type":"assistant"' "$HOME"/.claude-shared/projects/*/"$ID2".jsonl | tail -n 1 | jq -r .timestamp)
python3 - "$END" "$(jq -r .ts <<<"$RESTART")" "$(jq -r .ts <<<"$STOP")" "$(jq -r .waited_ms <<<"$STOP")" <<'PY'
import datetime, sys
t = [datetime.datetime.fromisoformat(x.replace("Z", "+00:00")).timestamp() for x in sys.argv[1:4]]
print(f"TIMES: turn end -> pane respawned {t[1] - t[0]:.3f} s; -> restarted Claude up {t[2] - t[0]:.3f} s; "
      f"Stop hook -> job saw idle {sys.argv[4]} ms")
PY
e2e_summary
((E2E_FAILED == 0))
