# `scripts/bench.sh recovery`: usage limit -> `swap` event, with Claude Code's StopFailure hook
# installed (no tick, no polling chain, no client: nothing else runs) and without it (the screen
# fallback with the default options: the 15 s run-shell chain, two polls >= 10 s apart).
#
# Each run is a fresh tmux server and state folder; one simulated `claude` pane on account a did
# a turn, then a's next answer is the 5-hour limit. The limit's moment is when the turn ended:
# the transcript record's timestamp, less the 0.1 s the CLI (and the simulator) waits after
# starting the StopFailure hook before it writes that record (no wait when no hook runs). The
# end is the `ts` of the `swap` event. Without hooks the limit comes at a random moment of the
# chain's poll cycle. Median, min and max over BENCH_RECOVERY_RUNS runs (10).
# Sourced by scripts/bench.sh (after scripts/lib/bench-world.sh); `bench_recovery [hooks|screen]...`
# (default: both).

bench_recovery() {
    bench_modes recovery recovery_run "${BENCH_RECOVERY_RUNS:-10}" "hooks screen" "$@"
}

# The driver shared with the other timed scenarios (scripts/lib/bench-deferred.sh):
# `bench_modes LABEL RUN_FN RUNS "VALID MODES" [MODE...]` builds the release binary (unless
# BENCH_NO_BUILD=1), puts the simulator on PATH as `claude` in a temp folder ($tmp), then for each
# mode (default: all valid ones) calls `RUN_FN MODE DIR` RUNS times (each prints seconds) and
# prints median, min and max. RUN_FN sees $bin, $real_tmux and $tmp.
bench_modes() {
    local label="$1" run_fn="$2" runs="$3" valid="$4"
    shift 4
    local repo modes bin real_tmux tmp
    repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
    modes=("$@")
    # shellcheck disable=SC2206 # the valid modes are one word each
    [ ${#modes[@]} -eq 0 ] && modes=($valid)
    bench_binary "$repo" || return 1
    tmp="$(mktemp -d "${TMPDIR:-/tmp}/cf-$label.XXXXXX")"
    # shellcheck disable=SC2064 # expand now: the folder of this run
    [ -n "${BENCH_KEEP:-}" ] || trap "rm -rf '$tmp'" RETURN
    bench_sim "$tmp"
    local mode
    for mode in "${modes[@]}"; do
        case " $valid " in *" $mode "*) ;; *)
            echo "bench: $label modes are $valid, got '$mode'" >&2
            return 2
            ;;
        esac
        local i out="$tmp/$mode.times"
        : >"$out"
        for ((i = 1; i <= runs; i++)); do
            "$run_fn" "$mode" "$tmp/$mode-$i" >>"$out" || return 1
            printf '  %s run %d: %s s\n' "$mode" "$i" "$(tail -n 1 "$out")" >&2
        done
        sort -n "$out" | awk -v label="$label" -v mode="$mode" '{ v[NR] = $1 } END {
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%s %-6s  runs %d  median %.2f s  min %.2f s  max %.2f s\n", label, mode, NR, m, v[1], v[NR] }'
    done
}

# One run in its own world; prints the seconds from the limit to the swap event.
recovery_run() {
    local mode="$1" root="$2"
    (
        set -euo pipefail
        export HOME="$root/home" XDG_STATE_HOME="$root/state" TZ=UTC
        export PATH="$tmp/bin:$PATH"
        local sock="$root/tmux.sock" a="$root/home/.claude-a" b="$root/home/.claude-b"
        local work="$root/home/work" state="$root/state/claude-failover"
        mkdir -p "$work" "$a" "$b"
        tm() { "$real_tmux" -S "$sock" "$@"; }
        cf() { "$bin" -S "$sock" "$@"; }
        trap 'tm kill-server >/dev/null 2>&1 || true' EXIT
        bench_server "$work" "$a" "$b"
        printf '200' >"$a/sim-delay-ms"
        if [ "$mode" = hooks ]; then
            cf claude-hooks install >/dev/null
        fi
        local pane
        pane=$(tm split-window -d -P -F '#{pane_id}' -t bench -c "$work" -e "CLAUDE_CONFIG_DIR=$a" claude)
        wait_for 20 "Claude in $pane" screen_has "$pane" "Claude Code"
        tm send-keys -t "$pane" -l "warm up" \; send-keys -t "$pane" Enter
        wait_for 20 "the first answer" screen_has "$pane" "Sim reply to: warm up"
        if [ "$mode" = screen ]; then
            # A limit comes at any moment of the 15 s poll cycle, not right after a poll.
            start_chain_at_random_phase
        fi
        printf '429usage5h' >"$a/sim-mode"
        tm send-keys -t "$pane" -l "hit the limit" \; send-keys -t "$pane" Enter
        wait_for 90 "the swap event" grep -q '"event":"swap"' "$state/events.jsonl"
        local limit_ts swap_ts
        limit_ts=$(grep -h '"apiError":"usage_limit_reached"' "$HOME"/.claude-shared/projects/*/*.jsonl |
            head -n 1 | sed 's/.*"timestamp":"\([^"]*\)".*/\1/')
        swap_ts=$(grep '"event":"swap"' "$state/events.jsonl" | head -n 1 | sed 's/.*"ts":"\([^"]*\)".*/\1/')
        local hook_wait=0
        [ "$mode" = hooks ] && hook_wait=0.1
        awk -v a="$(date -d "$limit_ts" +%s.%N)" -v b="$(date -d "$swap_ts" +%s.%N)" -v w="$hook_wait" \
            'BEGIN { printf "%.3f\n", b - (a - w) }'
    )
}

# Start the 15 s poll chain as claude-failover.tmux does with no client attached, then wait a
# random part of one cycle, so that what is timed next comes at any moment of it.
start_chain_at_random_phase() {
    tm set -g @claude-failover-chain bench
    tm run-shell -b "$(printf "'%s'" "$bin") -S '$sock' hook --event load --chain bench"
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", r % 1500 / 100 }')"
}

screen_has() { "$real_tmux" -S "$sock" capture-pane -p -J -t "$1" | grep -qF -- "$2"; }

wait_for() { # seconds what command...
    local deadline=$((SECONDS + $1)) what="$2"
    shift 2
    until "$@" 2>/dev/null; do
        if [ $SECONDS -ge $deadline ]; then
            echo "bench: timed out waiting for $what" >&2
            return 1
        fi
        sleep 0.02
    done
}
