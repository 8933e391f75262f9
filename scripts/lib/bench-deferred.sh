# `scripts/bench.sh deferred`: a pane busy when a hook-driven swap comes is deferred until its
# turn ends. How long from the end of that turn to the pane restarted on the next account:
#
# - stop: `claude-hooks install` as it is now (StopFailure and Stop): the turn's own Stop hook
#   restarts it. Nothing else runs: no tick, no polling chain, no client.
# - poll: an older install (the StopFailure entry only), with the 15 s `run-shell` polling chain
#   started as `claude-failover.tmux` starts it with no client attached: the next poll does it.
#
# Each run is a fresh tmux server and state folder with two simulated `claude` panes on account
# a (of a, b). Pane 2 starts a 4 s turn; pane 1's next answer is the 5-hour limit, whose
# StopFailure hook swaps to b at once and defers pane 2. The turn's end is the reply record's
# timestamp in pane 2's transcript (the simulator writes it, then runs the Stop hooks, then says
# idle, as Claude Code 2.1.332 does); the restart is the `ts` of the resumed launch on b in the
# simulator's launch log. Median, min and max over BENCH_DEFERRED_RUNS runs (10).
# Sourced by scripts/bench.sh after lib/bench-world.sh (bench_server) and lib/bench-recovery.sh
# (bench_modes, wait_for, screen_has).

bench_deferred() {
    bench_modes deferred deferred_run "${BENCH_DEFERRED_RUNS:-10}" "stop poll" "$@"
}

# One run in its own world; prints the seconds from the end of the busy turn to its restart.
deferred_run() {
    local mode="$1" root="$2"
    (
        set -euo pipefail
        export HOME="$root/home" XDG_STATE_HOME="$root/state" TZ=UTC
        export PATH="$tmp/bin:$PATH" CLAUDE_SIM_LOG="$root/launches.jsonl"
        local sock="$root/tmux.sock" a="$root/home/.claude-a" b="$root/home/.claude-b"
        local state="$root/state/claude-failover"
        mkdir -p "$root/home/w1" "$root/home/w2"
        tm() { "$real_tmux" -S "$sock" "$@"; }
        cf() { "$bin" -S "$sock" "$@"; }
        trap 'tm kill-server >/dev/null 2>&1 || true' EXIT
        bench_server "$HOME" "$a" "$b"
        cf claude-hooks install >/dev/null
        if [ "$mode" = poll ]; then
            # What an install from before the Stop hook left: the StopFailure entry only.
            local hook
            hook="$(printf "'%s' claude-hook" "$bin")"
            jq -n --arg c "$hook" \
                '{hooks: {StopFailure: [{matcher: "rate_limit", hooks: [{type: "command", command: $c}]}]}}' \
                >"$a/settings.json"
        fi
        local p1 p2
        p1=$(tm split-window -d -P -F '#{pane_id}' -t bench -c "$HOME/w1" -e "CLAUDE_CONFIG_DIR=$a" claude)
        p2=$(tm split-window -d -P -F '#{pane_id}' -t bench -c "$HOME/w2" -e "CLAUDE_CONFIG_DIR=$a" claude)
        local p
        for p in "$p1" "$p2"; do
            wait_for 20 "Claude in $p" screen_has "$p" "Claude Code"
            tm send-keys -t "$p" -l "warm up" \; send-keys -t "$p" Enter
            wait_for 20 "the first answer in $p" screen_has "$p" "Sim reply to: warm up"
        done
        if [ "$mode" = poll ]; then
            # The turn ends at any moment of the 15 s poll cycle, not at a fixed one.
            start_chain_at_random_phase
        fi
        printf '4000' >"$a/sim-delay-ms"
        tm send-keys -t "$p2" -l "long turn" \; send-keys -t "$p2" Enter
        wait_for 10 "the long turn" screen_has "$p2" "Thinking"
        rm -f "$a/sim-delay-ms"
        printf '429usage5h' >"$a/sim-mode"
        tm send-keys -t "$p1" -l "hit the limit" \; send-keys -t "$p1" Enter
        wait_for 20 "the swap event" grep -q '"event":"swap"' "$state/events.jsonl"
        grep '"event":"swap"' "$state/events.jsonl" | grep -q '"outcome":"deferred"' || {
            echo "bench: the long turn ended before the swap reached it" >&2
            return 1
        }
        local id2
        id2=$(grep -h '"sessionId"' "$a"/sessions/*.json | jq -r --arg p "$p2" \
            'select(.tmux | endswith("." + $p)) | .sessionId')
        wait_for 40 "the deferred restart" grep -q "\"resume\":\"$id2\"" "$CLAUDE_SIM_LOG"
        local end_ts restart_ts
        end_ts=$(grep -h 'Sim reply to: long turn' "$HOME"/.claude-shared/projects/*/"$id2".jsonl |
            jq -r 'select(.type == "assistant") | .timestamp' | head -n 1)
        restart_ts=$(grep "\"resume\":\"$id2\"" "$CLAUDE_SIM_LOG" | jq -r .ts | head -n 1)
        awk -v a="$(date -d "$end_ts" +%s.%N)" -v b="$(date -d "$restart_ts" +%s.%N)" \
            'BEGIN { printf "%.3f\n", b - a }'
    )
}
