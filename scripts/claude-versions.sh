#!/usr/bin/env bash
# Real Claude Code releases, old and new, end to end against the mock API:
#   for each release (installed once from npm into a cache), on a private tmux server, one pane
#   runs `claude` on account a; a healthy turn; then turns that must never swap (an answer quoting
#   a limit, a 529, a 429 server throttle); then every usage-limit variant the mock can send, each
#   of which must be confirmed, restart the pane on the next account resumed in its own
#   conversation (the earlier turn on screen, `--resume <its id>`), not swap again on the redrawn
#   limit, and answer the next prompt there. Each mode is also run once in print mode (`-p`).
#   Prints a table: version x mode -> message, verdict, swapped, resumed, answered, result.
#
# usage: scripts/claude-versions.sh [--cf PATH] [--captures DIR] [VERSION ...]
#   VERSION   npm versions of @anthropic-ai/claude-code (default: every tested release, and latest)
#   --cf      the claude-failover binary (default: cargo build --release in this repository)
#   --captures DIR  keep every screen and print-mode output as DIR/<version>/<mode>-<how>.txt,
#             with DIR/<version>/captures.tsv saying how each was made (never overwritten: a
#             capture that exists is kept and the new one is not written)
# environment:
#   CLAUDE_VERSIONS_MODES  limit modes to run (default: all of them, see LIMIT_MODES below)
#   CLAUDE_VERSIONS_PRINT=0  skip the print-mode runs
#   CFE_PORT_RANGE         LOW-HIGH ports the mock may bind (default: any free port)
#   CLAUDE_E2E_TZ          time zone of the CLI (default: Europe/Paris)
# exit: 0 every row passed, 1 a row failed or a release could not be installed, 2 usage.
set -Eeuo pipefail

HERE=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd -P -- "$HERE/.." && pwd)
# shellcheck source=scripts/lib/e2e.sh
. "$HERE/lib/e2e.sh"
# shellcheck source=scripts/lib/claude-env.sh
. "$HERE/lib/claude-env.sh"

ALL_VERSIONS=(1.0.58 1.0.128 2.0.0 2.0.10 2.0.20 2.0.37 2.0.55 2.1.0 2.1.150 2.1.218 latest)
# Modes that must never swap, then the usage limits (each swaps to the next account).
SAFE_MODES=(okquote 529 429plain)
LIMIT_MODES=(429usage5h 429session-noover 429weekly-noover 429opus-noover 429reset-only)
ACCOUNTS=(a b c d e f)

CF="" CAPTURES="" ONE=""
VERSIONS=()
while (($#)); do
	case $1 in
	-h | --help)
		awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
		exit 0
		;;
	--cf) CF=${2:?--cf needs a path}; shift 2 ;;
	--captures) CAPTURES=${2:?--captures needs a folder}; shift 2 ;;
	--one) ONE=${2:?}; shift 2 ;; # internal: run one release, append rows to $CV_ROWS
	-*) echo "usage: $0 [--cf PATH] [--captures DIR] [VERSION ...]" >&2; exit 2 ;;
	*) VERSIONS+=("$1"); shift ;;
	esac
done
if [[ -n ${CLAUDE_VERSIONS_MODES:-} ]]; then read -r -a LIMIT_MODES <<<"$CLAUDE_VERSIONS_MODES"; fi
[[ -z $CAPTURES ]] || { mkdir -p "$CAPTURES" && CAPTURES=$(cd -P -- "$CAPTURES" && pwd); }

cfe_require_tools claude-versions

# =============================================================================================
# The parent: install, run each release in its own process, print the table.
if [[ -z $ONE ]]; then
	((${#VERSIONS[@]})) || VERSIONS=("${ALL_VERSIONS[@]}")
	cfe_set_cf claude-versions "$CF"
	ROWS=$(mktemp "${TMPDIR:-/tmp}/cf-versions-rows.XXXXXX")
	trap 'rm -f -- "$ROWS"' EXIT
	rc=0
	for v in "${VERSIONS[@]}"; do
		started=$(date +%s)
		e2e_log "=== @anthropic-ai/claude-code@$v"
		args=(--one "$v" --cf "$CF")
		[[ -z $CAPTURES ]] || args+=(--captures "$CAPTURES")
		if ! CV_ROWS=$ROWS bash "$0" "${args[@]}"; then rc=1; fi
		e2e_log "=== $v took $(($(date +%s) - started)) s"
	done
	echo
	echo "== Claude Code releases x mock modes"
	python3 - "$ROWS" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
head = ["version", "mode", "message", "verdict", "swapped", "resumed", "answered", "result"]
rows = [r[:8] + [""] * (8 - len(r)) for r in rows]
for r in rows:
    if len(r[2]) > 58:
        r[2] = r[2][:57] + "…"
w = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(head)]
line = lambda r: "| " + " | ".join(c.ljust(w[i]) for i, c in enumerate(r)) + " |"
print(line(head))
print("|" + "|".join("-" * (n + 2) for n in w) + "|")
for r in rows:
    print(line(r))
bad = [r for r in rows if r[7] != "PASS"]
print(f"\n{len(rows)} rows, {len(bad)} failed")
PY
	if grep -qv $'\tPASS$' "$ROWS"; then rc=1; fi
	if ((rc)); then echo "RESULT: FAIL"; else echo "RESULT: PASS"; fi
	exit "$rc"
fi

# =============================================================================================
# One release: a private world, a tmux server, the mock; every mode in turn.
VERSION=$ONE
row() { # MODE MESSAGE VERDICT SWAPPED RESUMED ANSWERED RESULT
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$VERSION" "$1" "${2//$'\t'/ }" "$3" "$4" "$5" "$6" "$7" >>"$CV_ROWS"
	e2e_log "row: $VERSION $1 -> $3, swapped $4, resumed $5, answered $6: $7 ($2)"
}
MOCK="$REPO/scripts/mock-anthropic.py"
if ! CLAUDE=$(cfe_install_claude "$VERSION"); then
	row install "npm install failed" - - - - FAIL
	exit 1
fi
CLAUDE_VERSION=$(timeout 30 "$CLAUDE" --version | awk '{print $1}')
e2e_log "claude: $CLAUDE ($CLAUDE_VERSION)"
# A release's version is at most another's: version_le A B.
version_le() { [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1) == "$1" ]]; }
# not_a_limit MODE: on this release MODE is no usage limit: it must never swap.
not_a_limit() {
	local kept=() m
	for m in "${LIMIT_MODES[@]}"; do
		if [[ $m == "$1" ]]; then SAFE_MODES+=("$m"); else kept+=("$m"); fi
	done
	LIMIT_MODES=("${kept[@]}")
}
# Up to 2.0.10 every 429 of a subscription is a usage limit to the CLI, the reset header alone
# enough (`Claude AI usage limit reached|<reset>`); later releases need the representative claim
# or the overage status and call the rest `API Error: Rate limit reached`: a throttle there.
version_le "$CLAUDE_VERSION" 2.0.10 || not_a_limit 429reset-only
# 2.0.11-2.0.37 show nothing for an Opus limit without an overage header: the turn ends with an
# error record whose text is `No response requested.` and no tag, nothing to tell a limit by.
if version_le 2.0.11 "$CLAUDE_VERSION" && version_le "$CLAUDE_VERSION" 2.0.37; then
	not_a_limit 429opus-noover
fi
is_limit() { [[ " ${LIMIT_MODES[*]} " == *" $1 "* ]]; }

cleanup() {
	local rc=$?
	trap - EXIT INT TERM ERR
	if ((rc != 0)); then row "error" "unexpected exit $rc near line ${E2E_ERR_LINE:-?}" - - - - FAIL; fi
	cfe_stop_run "$ROOT"
	if ((rc == 0)) && ! grep -q "^$VERSION"$'\t'".*"$'\t'"FAIL$" "$CV_ROWS"; then
		rm -rf -- "$ROOT"
	else
		echo "temporary folder kept for inspection: $ROOT"
	fi
	exit "$rc"
}
cfe_new_run versions

cfe_private_world "$ROOT"
WORK="$ROOT/work"
SHARED="$HOME/.claude-shared"
mkdir -p "$WORK"
declare -A DIR
spec=""
for acct in "${ACCOUNTS[@]}"; do
	DIR[$acct]="$HOME/acct-$acct"
	cfe_write_claude_home "${DIR[$acct]}" "$WORK" "$CLAUDE_VERSION"
	spec+="${spec:+ }$acct=${DIR[$acct]}"
done
PRINT_HOME="$HOME/acct-print"
cfe_write_claude_home "$PRINT_HOME" "$WORK" "$CLAUDE_VERSION"

cf() { timeout 60 "$CF" -L "$E2E_SOCK" "$@"; }

cfe_mock_up "$MOCK" 900 || { row mock "the mock did not start" - - - - FAIL; exit 1; }
mode() { echo "$1" >"$ROOT/mode"; }

# capture NAME HOW FILE: keep FILE as $CAPTURES/<version>/NAME.txt (never over an existing one).
capture() {
	[[ -n $CAPTURES ]] || return 0
	local dir="$CAPTURES/$CLAUDE_VERSION" name=$1 how=$2 file=$3
	mkdir -p "$dir"
	[[ -e $dir/$name.txt ]] && return 0
	cp -- "$file" "$dir/$name.txt"
	printf '%s\t%s\t%s\t%s\t%s\n' "$name.txt" "$how" "$(date -u +%FT%TZ)" "$TZ_E2E" \
		"$(sed -n 's/^mock start .*reset=//p' "$ROOT/mock.log" | head -n 1)" >>"$dir/captures.tsv"
}
# detect_file FILE: "verdict<TAB>line" of claude-failover detect.
detect_file() {
	cf detect "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["verdict"] + "\t" + (d.get("line") or ""))'
}

# ---------------------------------------------------------------------------------------------
# Print mode: one `claude -p` per mode, its whole output judged.
for m in $( [[ ${CLAUDE_VERSIONS_PRINT:-1} == 0 ]] || echo ok "${SAFE_MODES[@]}" "${LIMIT_MODES[@]}"); do
	mode "$m"
	out="$ROOT/print-$m.txt"
	(cd "$WORK" && CLAUDE_CONFIG_DIR=$PRINT_HOME timeout 90 "$CLAUDE" -p "Please answer PRINT-$m" >"$out" 2>&1) || true
	capture "print-$m" "cd WORK && claude -p 'Please answer PRINT-$m' >out 2>&1 (mock mode $m)" "$out"
	IFS=$'\t' read -r verdict line < <(detect_file "$out")
	[[ -n $line ]] || line=$(grep -m1 -v '^\s*$' "$out" || true)
	case $m in
	ok | okquote) want=none ;;
	529 | 429reset-only) want=server-error ;;
	429plain) want=not-quota ;;
	429opus-noover) want=none ;;
	*) want=quota ;;
	esac
	if is_limit "$m"; then want=quota; fi
	if [[ $verdict == "$want" || ($want == not-quota && $verdict != quota) ]]; then r=PASS; else r=FAIL; fi
	row "$m (-p)" "$line" "$verdict" - - - "$r"
done

# ---------------------------------------------------------------------------------------------
# Interactive: the pane, its options, the shared folder.
e2e_tmux new-session -d -s cv -x 200 -y 50 -c "$WORK" -n claude "bash --noprofile --norc -i"
while IFS= read -r kv; do e2e_tmux set-environment -g "${kv%%=*}" "${kv#*=}"; done < <(cfe_mock_env "$PORT" "$TZ_E2E")
e2e_tmux set-option -g @claude-failover-accounts "$spec"
e2e_tmux set-option -g @claude-failover-shared-dir "$SHARED"
e2e_tmux set-option -g @claude-failover-confirm-polls 2
e2e_tmux set-option -g @claude-failover-confirm-gap 1
e2e_tmux set-option -g @claude-failover-cooldown 0
e2e_tmux set-option -g @claude-failover-command "$CLAUDE"
PANE=$(e2e_tmux display-message -p -t cv:claude '#{pane_id}')
cf links ensure >"$ROOT/links.log" 2>&1 || { row links "links ensure failed: $(tail -n 1 "$ROOT/links.log")" - - - - FAIL; exit 1; }

fail_start() {
	e2e_capture "$PANE" | sed -e 's/ *$//' -e '/^$/d' | tail -n 15 | sed 's/^/  | /' || true
	row start "$1" - - - - FAIL
	exit 1
}
e2e_wait_until 10 eval '[[ -n $(e2e_capture "$PANE" | tr -d "[:space:]") ]]' || fail_start "no shell prompt"
e2e_type "$PANE" "CLAUDE_CONFIG_DIR='${DIR[a]}' '$CLAUDE'"
e2e_wait_until 60 e2e_screen_input_ready "$PANE" || fail_start "claude shows no input prompt within 60 s"
SHELL_PID=$(e2e_pane_pid "$PANE")
C=$(e2e_pane_claude_pid "$PANE")
[[ -n $C ]] || fail_start "no process named claude in the pane"
KNOWN_CLAUDE_PIDS+=("$C")

TICK_N=0
tick() {
	TICK_N=$((TICK_N + 1))
	printf '[%s] tick %d: %s\n' "$(e2e_elapsed)" "$TICK_N" "$(cf tick 2>&1)" >>"$ROOT/ticks.log"
}
swaps() { cf events --json 2>/dev/null | grep -c '"event":"swap"' || true; }
# The session id the newest swap resumed (the CLI's own arguments are not readable: node
# releases overwrite them when they rename their process to `claude`).
resumed_id() {
	cf events --json 2>/dev/null | python3 -c 'import json,sys
ids = [p.get("session_id") for l in sys.stdin if l.strip() for e in [json.loads(l)]
       if e.get("event") == "swap" for p in e.get("panes", []) if p.get("outcome") == "resumed"]
print(ids[-1] if ids else "")'
}

# turn MODE TOKEN: send `Please answer TOKEN` with the mock in MODE; wait until something is
# written under the prompt and the turn is over (no `esc to interrupt` on two looks in a row).
turn() {
	mode "$1"
	e2e_submit "$PANE" "Please answer $2"
	answered_below() {
		e2e_capture "$PANE" | awk -v t="$2" 'index($0, t) { seen = 1; next } seen && /(⎿|●|⏺)/ { found = 1 } END { exit !found }'
	}
	e2e_wait_until 60 answered_below "$PANE" "$2" || return 1
	e2e_wait_until 60 eval 'e2e_screen_idle "$PANE" && sleep 0.5 && e2e_screen_idle "$PANE"' || return 1
}
# grab_retry NAME: while the mock fails with a retryable error, keep the retry screen.
grab_retry() {
	if e2e_wait_until 20 eval 'e2e_capture "$PANE" | grep etrying >/dev/null'; then
		e2e_capture "$PANE" >"$ROOT/$1.txt"
		capture "$1" "interactive, while the CLI retries (mock mode ${1%-retrying*})" "$ROOT/$1.txt"
		IFS=$'\t' read -r verdict line < <(detect_file "$ROOT/$1.txt")
		if [[ $verdict == server-error ]]; then r=PASS; else r=FAIL; fi
		row "$1" "$line" "$verdict" - - - "$r"
	else
		row "$1" "(no retry line was drawn)" - - - - PASS
	fi
}

MARK="CV-MARK-$RANDOM$RANDOM"
turn ok "$MARK" || fail_start "the first turn is not answered"
# The session id: sessions/<pid>.json (2.1.150+), else the one transcript of the folder.
SLUG=$(printf '%s' "$WORK" | sed 's/[^A-Za-z0-9]/-/g')
# session_of PID DIR: the session of the claude PID on account DIR.
session_of() {
	local id
	id=$(e2e_json_get "$2/sessions/$1.json" sessionId 2>/dev/null || true)
	# Releases before 2.1.150 keep no session file, and fork a resumed conversation into a new
	# transcript: theirs is the newest one.
	[[ -n $id ]] || id=$(basename "$(ls -t "$SHARED/projects/$SLUG/"*.jsonl 2>/dev/null | head -n 1)" .jsonl)
	printf '%s\n' "$id"
}
SID=$(session_of "$C" "${DIR[a]}")
TRANSCRIPTS=("$SID")
e2e_log "claude pid $C, session $SID"

# ---------------------------------------------------------------------------------------------
# Never a swap: every poll acts at once (confirm-polls 1), so a wrong verdict shows.
e2e_tmux set-option -g @claude-failover-confirm-polls 1
for m in "${SAFE_MODES[@]}"; do
	before=$(swaps)
	mode "$m"
	if [[ $m == 529 ]]; then
		e2e_submit "$PANE" "Please answer CV-$m"
		grab_retry "$m-retrying"
		ok_turn=0
		e2e_wait_until 60 eval 'e2e_screen_idle "$PANE" && sleep 0.5 && e2e_screen_idle "$PANE"' && ok_turn=1
	elif [[ $m == 429opus-noover ]]; then
		# Nothing is drawn for it on these releases (see not_a_limit above): the turn is over
		# once its record is written and the screen is still.
		mode "$m"
		e2e_submit "$PANE" "Please answer CV-$m"
		ok_turn=0
		e2e_wait_until 60 eval 'grep -qs "No response requested" "$SHARED/projects/$SLUG/"*.jsonl' &&
			e2e_wait_until 60 eval 'e2e_screen_idle "$PANE" && sleep 0.5 && e2e_screen_idle "$PANE"' &&
			ok_turn=1
	else
		ok_turn=0
		turn "$m" "CV-$m" && ok_turn=1
	fi
	e2e_capture "$PANE" >"$ROOT/$m.txt"
	capture "$m-interactive" "interactive: 'Please answer CV-$m' (mock mode $m), the turn over" "$ROOT/$m.txt"
	IFS=$'\t' read -r verdict line < <(detect_file "$ROOT/$m.txt")
	for ((i = 0; i < 3; i++)); do
		tick
		sleep 1.1
	done
	after=$(swaps)
	swapped=no
	[[ $after == "$before" && $(e2e_pane_pid "$PANE") == "$SHELL_PID" ]] || swapped=yes
	r=PASS
	((ok_turn)) || r=FAIL
	[[ $swapped == no ]] || r=FAIL
	case $m in
	okquote) [[ $verdict == none ]] || r=FAIL ;;
	529 | 429reset-only) [[ $verdict == server-error ]] || r=FAIL ;;
	429opus-noover) [[ $verdict == none ]] || r=FAIL ;;
	esac
	row "$m" "$line" "$verdict" "$swapped" - - "$r"
done

# ---------------------------------------------------------------------------------------------
# Usage limits: each is confirmed (2 polls), then the pane moves to the next account.
idx=0
for m in "${LIMIT_MODES[@]}"; do
	from=${ACCOUNTS[$idx]} to=${ACCOUNTS[$((idx + 1))]}
	e2e_tmux set-option -g @claude-failover-confirm-polls 2
	before=$(swaps)
	pane_pid=$(e2e_pane_pid "$PANE")
	ok_turn=0
	turn "$m" "CV-$m" && ok_turn=1
	# The next account is not limited: some releases (2.0.20) send a request of their own
	# ("Warmup") as they start, and a 429 there would be a real new limit on that account.
	mode ok
	e2e_capture "$PANE" >"$ROOT/$m.txt"
	capture "$m-interactive" "interactive on account $from: 'Please answer CV-$m' (mock mode $m), the turn over" "$ROOT/$m.txt"
	IFS=$'\t' read -r verdict line < <(detect_file "$ROOT/$m.txt")
	swapped=no resumed=- answered=- r=PASS
	for ((i = 0; i < 8; i++)); do
		tick
		if [[ $(e2e_pane_pid "$PANE") != "$pane_pid" ]]; then
			swapped=yes
			break
		fi
		sleep 1.1
	done
	((ok_turn)) || r=FAIL
	[[ $verdict == quota ]] || r=FAIL
	if [[ $swapped == no ]]; then
		row "$m" "$line" "$verdict" no - - FAIL
		break
	fi
	[[ $(swaps) == $((before + 1)) ]] || r=FAIL
	# The restarted claude: next account, its own session, the earlier turn on screen.
	resumed=no
	C2=""
	if e2e_wait_until 60 eval 'C2=$(e2e_pane_claude_pid "$PANE"); [[ -n $C2 ]]' &&
		e2e_wait_until 60 e2e_screen_input_ready "$PANE"; then
		KNOWN_CLAUDE_PIDS+=("$C2")
		if [[ $(e2e_proc_env "$C2" CLAUDE_CONFIG_DIR) == "${DIR[$to]}" ]] &&
			[[ $(resumed_id) == "$SID" ]] &&
			e2e_wait_until 20 e2e_screen_has "$PANE" "Please answer CV-$m"; then
			resumed=yes
		fi
	fi
	[[ $resumed == yes ]] || r=FAIL
	e2e_capture "$PANE" >"$ROOT/$m-resumed.txt"
	capture "$m-resumed" "interactive: the pane restarted by claude-failover on account $to with --resume (after mock mode $m)" "$ROOT/$m-resumed.txt"
	# The redrawn limit is old: with confirm-polls 1 any miscount would swap at once.
	e2e_tmux set-option -g @claude-failover-confirm-polls 1
	for ((i = 0; i < 3; i++)); do
		sleep 1.1
		tick
	done
	[[ $(swaps) == $((before + 1)) ]] || r=FAIL
	answered=no
	NEXT="CV-NEXT-$m-$RANDOM"
	if turn ok "$NEXT" && e2e_capture "$PANE" | awk -v t="$NEXT" 'index($0, t) { seen = 1; next } seen && /Hello from the local mock/ { found = 1 } END { exit !found }'; then
		answered=yes
	fi
	[[ $answered == yes ]] || r=FAIL
	# The conversation now goes on under this id (a new one for releases that fork on resume).
	if [[ -n $C2 ]]; then
		SID=$(session_of "$C2" "${DIR[$to]}")
		TRANSCRIPTS+=("$SID")
	fi
	row "$m" "$line" "$verdict" "$swapped ($from→$to)" "$resumed" "$answered" "$r"
	idx=$((idx + 1))
done
# The conversation's transcript: every API-error record this release wrote, as it wrote them.
capture_transcript() {
	[[ -n $CAPTURES && -n $SID ]] || return 0
	local dir="$CAPTURES/$CLAUDE_VERSION"
	mkdir -p "$dir"
	local id n=0
	for id in $(printf '%s\n' "${TRANSCRIPTS[@]}" | awk '!seen[$0]++'); do
		n=$((n + 1))
		[[ -e $dir/transcript-$n.jsonl ]] && continue
		cp -- "$SHARED/projects/$SLUG/$id.jsonl" "$dir/transcript-$n.jsonl" 2>/dev/null || continue
		printf '%s\t%s\t%s\t%s\t%s\n' "transcript-$n.jsonl" "transcript $n of the interactive conversation ($id)" \
			"$(date -u +%FT%TZ)" "$TZ_E2E" "$(sed -n 's/^mock start .*reset=//p' "$ROOT/mock.log" | head -n 1)" >>"$dir/captures.tsv"
	done
}
capture_transcript

# The folder's README, from its captures.tsv: how every capture there was made.
capture_readme() {
	[[ -n $CAPTURES && -f $CAPTURES/$CLAUDE_VERSION/captures.tsv ]] || return 0
	python3 - "$CAPTURES/$CLAUDE_VERSION" "$CLAUDE_VERSION" "$(node --version 2>/dev/null || echo -)" "$(tmux -V)" <<'PY'
import datetime, sys
folder, version, node, tmux = sys.argv[1:5]
rows = [l.rstrip("\n").split("\t") for l in open(folder + "/captures.tsv") if l.strip()]
utc = lambda e: datetime.datetime.fromtimestamp(int(e), datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
out = [f"# Claude Code {version}: real captures", "",
"Made by `scripts/claude-versions.sh --captures DIR " + version + "` (this folder, README",
"included, is what the script wrote into DIR; the captures are never edited: when a run finds",
"one already there it keeps it, so rows may come from different runs, see `made at`). The",
"release was installed with",
f"`npm install --prefix <cache>/npm-{version} @anthropic-ai/claude-code@{version}` and run on",
f"Linux x64 (node {node}, {tmux}) against `scripts/mock-anthropic.py` on 127.0.0.1, with",
"`ANTHROPIC_BASE_URL=http://127.0.0.1:<port>`, `CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-mock` (a",
"subscription login), `CLAUDE_CODE_MAX_RETRIES=1`, `DISABLE_AUTOUPDATER=1`, `DISABLE_TELEMETRY=1`,",
"`DISABLE_ERROR_REPORTING=1`, `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1` and the `TZ` below, in a",
"throwaway HOME whose account folders skip the first-run screens.", "",
"- `print-<mode>.txt`: stdout and stderr of `claude -p 'Please answer PRINT-<mode>'`.",
"- `<mode>-interactive.txt`: `tmux capture-pane -p -J` of the 200x50 pane once the turn",
"  `Please answer CV-<mode>` is over (no `esc to interrupt` on two looks 0.5 s apart). One",
"  conversation runs every mode in the order of the table; each usage limit is confirmed by",
"  `claude-failover tick` and the pane restarted on the next account (a, b, c, ...).",
"- `<mode>-retrying.txt`: the same pane while the CLI waits to retry (the mock sends",
"  `retry-after: 3`).",
"- `<mode>-resumed.txt`: the pane right after claude-failover restarted it with `--resume`.",
"- `transcript-<n>.jsonl`: the conversation's transcripts, in order (a release that forks a",
"  resumed conversation under a new id has one per restart).", "",
"What the mock sends in each mode (429 bodies are `rate_limit_error`): `429usage5h` the",
"`anthropic-ratelimit-unified-*` headers of a rejected 5-hour window (status, reset,",
"representative-claim `five_hour`, 5h/7d status, reset and utilization) plus",
"`unified-overage-status: rejected`; `429session-noover` / `429weekly-noover` the same for",
"`five_hour` / `seven_day` without any overage header; `429reset-only` only `unified-status:",
"rejected` and `unified-reset`; `429plain` no unified header at all (a throttle, `retry-after:",
"3`); `529` `overloaded_error`; `okquote` an answer that quotes limit wordings.", "",
"| file | how | made at | TZ | reset sent |", "|---|---|---|---|---|"]
for r in rows:
    r = r + [""] * (5 - len(r))
    out.append(f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} ({utc(r[4])}) |" if r[4].isdigit() else f"| `{r[0]}` | {r[1]} | {r[2]} | {r[3]} | {r[4]} |")
open(folder + "/README.md", "w").write("\n".join(out) + "\n")
PY
}
capture_readme
e2e_log "ticks: $ROOT/ticks.log"
