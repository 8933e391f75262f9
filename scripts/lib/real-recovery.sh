# shellcheck shell=bash
# `scripts/bench.sh recovery real [attached|detached]...`: usage limit -> `swap` event with the
# REAL Claude Code CLI (from npm, cached like scripts/real-claude-e2e.sh) against the local mock
# API, under the screen fallback as a default install runs it: no StopFailure hook installed, no
# plugin option that changes timing (confirm-polls 2, confirm-gap 10 s, poll-interval 15 s,
# tmux's status-interval 15 s), the plugin loaded by its own entry `claude-failover.tmux` with
# `status-right '#{claude_failover} %H:%M'` as docs/install.md shows.
#
#   attached  a tmux client attached 0-15 s after the plugin loaded (a nested tmux holds it): the
#             status segment's `#(claude-failover tick)` runs at each status refresh (15 s),
#             beside the run-shell chain (15 s), at another phase
#   detached  no client: the 15 s run-shell chain alone. A client attached when the server starts
#             (`tmux new`) refreshes at the chain's phase, so its polls add nothing: it times so too
#
# Each run is a fresh world (HOME, mock, tmux server): accounts a and b, the CLI on a answers a
# turn, then after a random 0-15 s (any moment of the poll cycles) its next request gets the
# 5-hour limit (`429usage5h`). The time runs from the mock's limit response (its request log) to
# the `ts` of the `swap` event (logged once the restarted pane runs Claude again, on b).
# Median, min and max over REAL_RECOVERY_RUNS runs (default 5) per mode (default: attached).
#
# Environment: CLAUDE_E2E_VERSION (npm version or tag, default latest), CFE_PORT_RANGE (ports for
# the mock, LOW-HIGH), REAL_RECOVERY_ALLOW_SKIP=1 (exit 0 with a SKIPPED line when the CLI cannot
# be fetched; without it that is a failure), BENCH_NO_BUILD=1 (use the existing release binary).

real_recovery() {
	local repo modes runs bin real_tmux claude version mode i out MOCK
	repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
	MOCK="${CLAUDE_E2E_MOCK:-$repo/scripts/mock-anthropic.py}"
	# shellcheck source=scripts/lib/e2e.sh
	. "$repo/scripts/lib/e2e.sh"
	# shellcheck source=scripts/lib/claude-env.sh
	. "$repo/scripts/lib/claude-env.sh"
	# shellcheck source=scripts/lib/bench-world.sh
	. "$repo/scripts/lib/bench-world.sh"
	modes=("$@")
	[ ${#modes[@]} -eq 0 ] && modes=(attached)
	for mode in "${modes[@]}"; do
		case "$mode" in attached | detached) ;; *)
			echo "bench: real recovery modes are attached and detached, got '$mode'" >&2
			return 2
			;;
		esac
	done
	runs="${REAL_RECOVERY_RUNS:-5}"
	cfe_require_tools bench
	if ! claude=$(cfe_install_claude "${CLAUDE_E2E_VERSION:-latest}"); then
		if [ "${REAL_RECOVERY_ALLOW_SKIP:-}" = 1 ]; then
			echo "bench: SKIPPED: the real Claude Code CLI is not available (REAL_RECOVERY_ALLOW_SKIP=1)" >&2
			return 0
		fi
		echo "bench: FAIL: the real Claude Code CLI is not available, so nothing was measured" \
			"(REAL_RECOVERY_ALLOW_SKIP=1 makes this a skip)" >&2
		return 1
	fi
	version=$(timeout 30 "$claude" --version | awk '{print $1}')
	bench_binary "$repo" || return 1
	echo "real recovery: Claude Code $version ($claude), $bin, tmux $(tmux -V | awk '{print $2}')" >&2
	for mode in "${modes[@]}"; do
		out=$(mktemp "${TMPDIR:-/tmp}/cf-real-recovery.XXXXXX")
		for ((i = 1; i <= runs; i++)); do
			if ! real_recovery_run "$mode" >>"$out"; then
				rm -f -- "$out"
				return 1
			fi
			printf '  real %s run %d: %s s\n' "$mode" "$i" "$(tail -n 1 "$out")" >&2
		done
		sort -n "$out" | awk -v mode="$mode" -v v="$version" '{ t[NR] = $1 } END {
			m = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
			printf "recovery real-%s (Claude Code %s, screen fallback, default options)  runs %d  median %.2f s  min %.2f s  max %.2f s\n", mode, v, NR, m, t[1], t[NR] }'
		rm -f -- "$out"
	done
}

# One run in its own world (a subshell: HOME and the rest are replaced); prints the seconds from
# the limit response to the swap event. On failure, says what and keeps the folder.
real_recovery_run() {
	local mode="$1" root
	root=$(mktemp -d "${TMPDIR:-/tmp}/cf-real-recovery.XXXXXX")
	root=$(cd -P -- "$root" && pwd)
	(
		set -Eeuo pipefail
		# Only the time goes to stdout (fd 3); everything else is for the terminal.
		exec 3>&1 1>&2
		E2E_SOCK="cfrec-$$-$RANDOM"
		CLIENT_SOCK="$E2E_SOCK-client"
		CFE_MOCK_PID=""
		KNOWN_CLAUDE_PIDS=()
		ok=0
		finish() {
			timeout 10 tmux -L "$CLIENT_SOCK" -f /dev/null kill-server >/dev/null 2>&1 || true
			cfe_stop_run "$root"
			if ((ok)); then rm -rf -- "$root"; else echo "bench: run folder kept: $root" >&2; fi
		}
		trap finish EXIT
		fail() {
			echo "bench: real recovery ($mode): $1" >&2
			[ -n "${PANE:-}" ] && e2e_capture "$PANE" 2>/dev/null | sed -e 's/ *$//' -e '/^$/d' -e 's/^/  | /' >&2
			exit 1
		}
		cfe_private_world "$root"
		local_bin="$root/bin"
		mkdir -p "$local_bin" "$HOME/work"
		# `claude` on PATH, as users have it: no @claude-failover-command needed.
		ln -s "$claude" "$local_bin/claude"
		export PATH="$local_bin:$PATH"
		port=$(cfe_free_port) || fail "no free port for the mock API"
		echo ok >"$root/mode"
		cfe_start_mock "$MOCK" "$port" "$root/mode" "$root/mock.log" 300 || fail "the mock API did not start"
		while IFS= read -r kv; do export "${kv?}"; done < <(cfe_mock_env "$port" UTC)
		A="$HOME/acct-a" B="$HOME/acct-b"
		cfe_write_claude_home "$A" "$HOME/work" "$version"
		cfe_write_claude_home "$B" "$HOME/work" "$version"

		# The user's tmux.conf: accounts, the segment's place, then the plugin's entry (as TPM runs it).
		e2e_tmux new-session -d -s e2e -x 200 -y 50 -c "$HOME/work" -n claude "bash --noprofile --norc -i"
		e2e_tmux set-option -g @claude-failover-accounts "a=$A b=$B"
		e2e_tmux set-option -g @claude-failover-shared-dir "$HOME/.claude-shared"
		e2e_tmux set-option -g status-right '#{claude_failover} %H:%M'
		e2e_tmux run-shell "CLAUDE_FAILOVER_BIN=$(printf '%q' "$bin") $(printf '%q' "$repo/claude-failover.tmux")"
		e2e_tmux show-options -gv status-right | grep -q -- '#(.*claude-failover.* tick)' ||
			fail "the entry put the tick segment into status-right (got: $(e2e_tmux show-options -gv status-right))"
		[ -n "$(e2e_tmux show-options -gv @claude-failover-chain)" ] || fail "the entry started the polling chain"
		timeout 60 "$bin" -L "$E2E_SOCK" links ensure >/dev/null || fail "links ensure"
		! grep -q claude-hook "$A/settings.json" "$B/settings.json" || fail "no StopFailure hook is installed"
		for opt in confirm-polls confirm-gap poll-interval cooldown; do
			[ -z "$(e2e_tmux show-options -gqv "@claude-failover-$opt")" ] || fail "@claude-failover-$opt is left at its default"
		done
		[ "$(e2e_tmux show-options -gv status-interval)" = 15 ] || fail "status-interval is tmux's default 15"

		if [ "$mode" = attached ]; then
			# A client attached a while after the server started (its status refresh then runs at
			# another phase than the chain; attached at once, both run together, as detached).
			sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", r % 1500 / 100 }')"
			# A client on a pseudo-terminal: a pane of a second (outer) tmux server runs `tmux attach`.
			timeout 10 tmux -L "$CLIENT_SOCK" -f /dev/null new-session -d -x 200 -y 51 \
				"env -u TMUX tmux -L $E2E_SOCK attach -t e2e"
			e2e_wait_until 10 eval '[ "$(e2e_tmux list-clients | wc -l)" = 1 ]' || fail "a client attaches"
			# The client's status line shows the segment: `#(claude-failover tick)` runs.
			e2e_wait_until 20 eval 'timeout 10 tmux -L "$CLIENT_SOCK" capture-pane -p | grep -q "CC "' ||
				fail "the attached client's status line shows the segment (CC …)"
		fi

		PANE=$(e2e_tmux display-message -p -t e2e:claude '#{pane_id}')
		e2e_wait_until 10 eval '[[ -n $(e2e_capture "$PANE" | tr -d "[:space:]") ]]' || fail "the pane's shell shows a prompt"
		e2e_type "$PANE" "CLAUDE_CONFIG_DIR='$A' claude"
		e2e_wait_until 40 e2e_screen_prompt_ready "$PANE" || fail "claude shows its input prompt within 40 s"
		SHELL_PID=$(e2e_pane_pid "$PANE")
		C1=$(e2e_pane_claude_pid "$PANE")
		[ -n "$C1" ] || fail "a process named claude runs in the pane"
		KNOWN_CLAUDE_PIDS+=("$C1")
		e2e_type "$PANE" "Please answer warm-up-$RANDOM"
		e2e_wait_until 30 e2e_screen_has "$PANE" "Hello from the local mock server" || fail "the first turn is answered"
		e2e_wait_until 10 e2e_screen_idle "$PANE" || fail "the first turn ends"
		# A limit comes at any moment of the 15 s poll cycles, not right after one.
		sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", r % 1500 / 100 }')"

		echo 429usage5h >"$root/mode"
		mock_lines=$(wc -l <"$root/mock.log")
		e2e_type "$PANE" "Please answer limit-$RANDOM"
		e2e_wait_until 90 eval 'grep -q "\"event\":\"swap\"" "$XDG_STATE_HOME/claude-failover/events.jsonl" 2>/dev/null' ||
			fail "a swap event within 90 s of the limit"
		C2=""
		e2e_wait_until 30 eval 'C2=$(e2e_pane_claude_pid "$PANE"); [[ -n $C2 && $C2 != "$C1" ]]' || fail "claude runs again in the pane"
		KNOWN_CLAUDE_PIDS+=("$C2")
		[ "$(e2e_pane_pid "$PANE")" != "$SHELL_PID" ] || fail "the pane was restarted"
		[ "$(e2e_proc_env "$C2" CLAUDE_CONFIG_DIR)" = "$B" ] || fail "the restarted claude runs on account b"
		python3 - "$root/mock.log" "$mock_lines" "$XDG_STATE_HOME/claude-failover/events.jsonl" >"$root/time" <<'PY' || fail "the limit response and the swap event have times"
import datetime, json, re, sys
log, skip, evf = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(log).read().splitlines()
epoch = float(re.search(r"epoch=([0-9.]+)", next(l for l in lines if l.startswith("mock start"))).group(1))
# The turn's request (the CLI's side requests ask for few tokens), answered at once by the mock.
limit = next(epoch + float(m.group(1)) for m in (re.match(r"\s*([0-9.]+) POST /v1/messages\S* .*max_tokens=(\d+)", l) for l in lines[skip:]) if m and int(m.group(2)) > 512)
swap = next(json.loads(l) for l in open(evf) if '"event":"swap"' in l)
ts = datetime.datetime.fromisoformat(swap["ts"].replace("Z", "+00:00")).timestamp()
print(f"{ts - limit:.3f}")
PY
		cat "$root/time" >&3
		ok=1
	)
}
