# shellcheck shell=bash
# What scripts/bench.sh and its recovery part (scripts/lib/bench-recovery.sh) share: the
# binary under test, the tmux server, and the simulated `claude` of a private world.

# bench_binary REPO: real_tmux (the tmux on PATH) and bin, the release claude-failover of REPO
# (built first unless BENCH_NO_BUILD=1); fails, saying why, when either is missing.
bench_binary() {
    # shellcheck disable=SC2034 # for the caller
    real_tmux="$(command -v tmux)" || { echo "bench: tmux is not installed" >&2; return 1; }
    if [ "${BENCH_NO_BUILD:-}" != 1 ]; then
        "$1/scripts/build.sh" --quiet
    fi
    bin="${CARGO_TARGET_DIR:-$1/target}/release/claude-failover"
    [ -x "$bin" ] || { echo "bench: no binary at $bin" >&2; return 1; }
}

# bench_sim DIR: nothing inherited that points elsewhere (a tmux, an account, a state folder, a
# simulator log), and the simulator as DIR/bin/claude (for PATH).
bench_sim() {
    unset TMUX TMUX_PANE CLAUDE_CONFIG_DIR CLAUDE_FAILOVER_STATE_DIR CLAUDE_SIM_LOG
    mkdir -p "$1/bin"
    ln -s "$(dirname -- "$bin")/claude-sim" "$1/bin/claude"
}

# bench_server CWD A B: through the caller's `tm`, a server with one session `bench` in CWD,
# accounts a=A and b=B sharing ~/.claude-shared, both logged in (the plugin only checks that
# the login file exists); then, through the caller's `cf`, the links made.
bench_server() {
    mkdir -p "$2" "$3"
    touch "$2/.credentials.json" "$3/.credentials.json"
    tm -f /dev/null new-session -d -s bench -x 200 -y 50 -c "$1" /bin/sh
    tm set -g escape-time 0
    tm set -g @claude-failover-accounts "a=$2 b=$3"
    tm set -g @claude-failover-shared-dir "$HOME/.claude-shared"
    cf links ensure >/dev/null
}
