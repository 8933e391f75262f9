#!/usr/bin/env bash
# Benchmark: one `claude-failover tick` against the naive per-pane loop status-line plugins use
# (`list-panes`, then `capture-pane | grep` for every pane), side by side on the same throwaway
# tmux server full of simulated Claude Code panes.
#
#   scripts/bench.sh [N ...]        pane counts to measure (default: 1 20 100)
#   scripts/bench.sh bounds         the bounded-time targets: a tick while another process holds
#                                   the lock, a tick next to a FIFO transcript, `events -n 3` on
#                                   a large log (BENCH_LOG_MB, default 1024), each against 2 s
#   scripts/bench.sh recovery [hooks|screen]   usage limit -> swap, with and without the
#                                   StopFailure hook (scripts/lib/bench-recovery.sh)
#   scripts/bench.sh recovery real [attached|detached]   the same with the real Claude Code CLI,
#                                   screen fallback, default options (scripts/lib/real-recovery.sh)
#   scripts/bench.sh deferred [stop|poll]   a busy pane deferred by a hook-driven swap: end of
#                                   its turn -> restarted, by the Stop hook or by the next poll
#                                   (scripts/lib/bench-deferred.sh)
#
# Environment: BENCH_RUNS (timed runs per size, default 30), BENCH_NO_BUILD=1 (use the existing
# target/release binary), BENCH_KEEP=1 (keep the temp folder for inspection), BENCH_PAUSE=SECS
# (keep the server up that long after measuring, to profile a tick by hand), BENCH_TIMER=loop
# (time with the shell loop even when hyperfine is installed).
#
# Three things are timed at each size: the tick (reading tmux through its socket), the tick
# made to use `tmux` processes only (CLAUDE_FAILOVER_TMUX_CLIENT=1), and the naive loop. With
# hyperfine (used when installed), each is one hyperfine benchmark of BENCH_RUNS runs after 3
# warm-up runs, started without a shell (-N). Without it, a bash loop times the three side by
# side, round by round, reading $EPOCHREALTIME in the shell itself (no subshell around the
# timed command: a `$(...)` clock added a fork, about 1 ms, to every run of all three).
#
# Each pane runs the simulated `claude` (the release `claude-sim` under the name `claude`) under a
# shell, as a user starts it from their prompt, and did a turn or two; every tenth shows a 529, every tenth a usage limit replayed by `--resume` (on screen, but
# older than the process: never a swap). A manual swap before the panes start puts the server in
# cooldown, and @claude-failover-confirm-polls is high, so nothing swaps while we measure.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ "${1:-}" = recovery ] && [ "${2:-}" = real ]; then
    shift 2
    # shellcheck source=lib/real-recovery.sh
    . "$repo/scripts/lib/real-recovery.sh"
    real_recovery "$@"
    exit
fi
# shellcheck source=lib/bench-world.sh
. "$repo/scripts/lib/bench-world.sh"
if [ "${1:-}" = recovery ]; then
    shift
    # shellcheck source=lib/bench-recovery.sh
    . "$repo/scripts/lib/bench-recovery.sh"
    bench_recovery "$@"
    exit
fi
if [ "${1:-}" = deferred ]; then
    shift
    # shellcheck source=lib/bench-recovery.sh
    . "$repo/scripts/lib/bench-recovery.sh"
    # shellcheck source=lib/bench-deferred.sh
    . "$repo/scripts/lib/bench-deferred.sh"
    bench_deferred "$@"
    exit
fi
mode=panes
if [ "${1:-}" = bounds ]; then
    mode=bounds
    shift
    set -- 1
fi
sizes=("$@")
[ ${#sizes[@]} -eq 0 ] && sizes=(1 20 100)
for n in "${sizes[@]}"; do
    case "$n" in '' | *[!0-9]* | 0) echo "bench: pane counts are positive integers, got '$n'" >&2; exit 2 ;; esac
done
mapfile -t sizes < <(printf '%s\n' "${sizes[@]}" | sort -n -u)
runs="${BENCH_RUNS:-30}"

bench_binary "$repo" || exit 1

tmp="$(mktemp -d "${TMPDIR:-/tmp}/cf-bench.XXXXXX")"
sock="$tmp/tmux.sock"
cleanup() {
    "$real_tmux" -S "$sock" kill-server >/dev/null 2>&1 || true
    [ "${BENCH_KEEP:-}" = 1 ] && { echo "bench: kept $tmp" >&2; return; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private world: HOME, XDG folders and the simulator on PATH; nothing reaches the user's tmux.
export HOME="$tmp/home" XDG_STATE_HOME="$tmp/state" XDG_CONFIG_HOME="$tmp/config" TZ=UTC
bench_sim "$tmp"
mkdir -p "$HOME" "$tmp/wrap" "$tmp/calls"
export PATH="$tmp/bin:$PATH"
state="$XDG_STATE_HOME/claude-failover"
acc_a="$HOME/.claude-a" acc_b="$HOME/.claude-b"

# A `tmux` that counts its invocations, for "how many clients does one tick spawn": the tick runs
# it as CLAUDE_FAILOVER_TMUX (it runs the server's own executable otherwise, never PATH's `tmux`),
# the naive loop finds it first on PATH.
count_file="$tmp/tmux-count"
# It also keeps each call's arguments (NUL-separated) so the profile can replay them one by one.
cat >"$tmp/wrap/tmux" <<EOF
#!/bin/bash
echo x >>'$count_file'
n=\$(wc -l <'$count_file')
printf '%s\\0' "\$@" >'$tmp/calls/'\$n
exec '$real_tmux' "\$@"
EOF
chmod +x "$tmp/wrap/tmux"

# The naive loop, as a status-line script of a typical plugin would do it.
naive="$tmp/naive.sh"
cat >"$naive" <<'EOF'
#!/bin/sh
found=0
for p in $(tmux -S "$1" list-panes -a -F '#{pane_id}'); do
    if tmux -S "$1" capture-pane -p -t "$p" | grep -q "hit your"; then found=1; fi
done
echo "$found"
EOF

tm() { "$real_tmux" -S "$sock" "$@"; }
cf() { "$bin" -S "$sock" "$@"; }

timer=loop
if [ "${BENCH_TIMER:-}" != loop ] && command -v hyperfine >/dev/null 2>&1; then
    timer=hyperfine
fi

# A word for hyperfine's -N command line (split like a shell's): single-quoted.
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# The run times (microseconds) of each benchmark of a hyperfine JSON export, one file per
# benchmark, in order: split_times JSON FILE...
split_times() {
    local json=$1 k=0 f
    shift
    for f in "$@"; do
        k=$((k + 1))
        awk -v want="$k" '/"times": \[/ { n++; on = (n == want); next }
            on && /\]/ { on = 0 }
            on { gsub(/[ ,]/, ""); printf "%d\n", $0 * 1000000 }' "$json" >"$f"
    done
}

log() { printf '%s\n' "$*" >&2; }

bench_server "$HOME" "$acc_a" "$acc_b"
# Every tick runs as tmux runs it from status-right: a `#()` job, whose TMUX names the server
# (socket, pid, -1). The naive loop and the tmux calls here name the socket with -S anyway.
export TMUX="$sock,$(tm display -p '#{pid}'),-1"
tm set -g @claude-failover-confirm-polls 1000
tm set -g @claude-failover-cooldown 86400
# Starts the cooldown (no pane yet, so nothing is restarted); the panes then run on b.
cf swap --to b --reason "bench setup" >/dev/null
printf '50' >"$acc_b/sim-delay-ms"

panes=() ids=() roles=()
last_window=""

role_of() {
    case $(($1 % 10)) in
    3) echo 529 ;;
    7) echo replay ;;
    *) echo ok ;;
    esac
}

# Wait until every pane in the list shows its needle (pane and needle alternate).
wait_screens() {
    local deadline=$((SECONDS + 60)) pending=("$@") next pane needle i
    while [ ${#pending[@]} -gt 0 ]; do
        next=()
        for ((i = 0; i < ${#pending[@]}; i += 2)); do
            pane="${pending[i]}" needle="${pending[i + 1]}"
            if ! tm capture-pane -p -J -t "$pane" | grep -qF -- "$needle"; then
                next+=("$pane" "$needle")
            fi
        done
        pending=("${next[@]+"${next[@]}"}")
        [ ${#pending[@]} -eq 0 ] && return 0
        if [ $SECONDS -ge $deadline ]; then
            log "bench: pane ${pending[0]} never showed '${pending[1]}':"
            tm capture-pane -p -J -t "${pending[0]}" >&2
            exit 1
        fi
        sleep 0.1
    done
}

type_line() { tm send-keys -t "$1" -l "$2" \; send-keys -t "$1" Enter; }

# turns MODE PROMPT NEEDLE I...: with the simulator in MODE, type "PROMPT I" into each pane I,
# then wait until each shows NEEDLE (empty: the reply to its prompt).
turns() {
    local mode=$1 prompt=$2 needle=$3 i w=()
    shift 3
    [ $# -gt 0 ] || return 0
    printf '%s' "$mode" >"$acc_b/sim-mode"
    for i in "$@"; do
        type_line "${panes[i]}" "$prompt $i"
        w+=("${panes[i]}" "${needle:-Sim reply to: $prompt $i}")
    done
    wait_screens "${w[@]}"
}

# Start panes [from, to): four to a window, in a few project folders; each does a turn or two.
add_panes() {
    local from=$1 to=$2 i id pane cwd w=() new t529=() trep=() t2=()
    for ((i = from; i < to; i++)); do
        id="$(cat /proc/sys/kernel/random/uuid)"
        cwd="$HOME/project-$((i % 7))"
        mkdir -p "$cwd"
        if ((i % 4 == 0)); then
            pane="$(tm new-window -d -P -F '#{pane_id}' -t bench -c "$cwd" -e "CLAUDE_CONFIG_DIR=$acc_b" \
                "claude --session-id $id; exec sh")"
            last_window="$(tm display -p -t "$pane" '#{window_id}')"
        else
            pane="$(tm split-window -d -P -F '#{pane_id}' -t "$last_window" -c "$cwd" -e "CLAUDE_CONFIG_DIR=$acc_b" \
                "claude --session-id $id; exec sh")"
            tm select-layout -t "$last_window" tiled
        fi
        panes[i]="$pane" ids[i]="$id" roles[i]="$(role_of "$i")"
        w+=("$pane" "Claude Code")
    done
    wait_screens "${w[@]}"
    mapfile -t new < <(seq "$from" $((to - 1)))
    turns ok "first task" "" "${new[@]}"
    for ((i = from; i < to; i++)); do
        case "${roles[i]}" in
        529) t529+=("$i") ;;
        replay) trep+=("$i") ;;
        *) ((i % 2 == 0)) && t2+=("$i") ;;
        esac
    done
    turns 529 retry "529 Overloaded" "${t529[@]+"${t529[@]}"}"
    if [ ${#trep[@]} -gt 0 ]; then
        turns 429usage5h "big job" "hit your 5-hour limit" "${trep[@]}"
        printf 'ok' >"$acc_b/sim-mode"
        # Older than the process that will show it by more than the clock slack: a replay.
        sleep 3
        w=()
        for i in "${trep[@]}"; do
            tm respawn-pane -k -t "${panes[i]}" -e "CLAUDE_CONFIG_DIR=$acc_b" "claude --resume ${ids[i]}; exec sh"
            w+=("${panes[i]}" "hit your 5-hour limit")
        done
        wait_screens "${w[@]}"
    fi
    printf 'ok' >"$acc_b/sim-mode"
    turns ok "second task" "" "${t2[@]+"${t2[@]}"}"
    sleep 0.3
}

# median p10 p90 min max (ms, one decimal) of the microsecond values in a file.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        n = NR; if (n == 0) { print "0 0 0 0 0"; exit }
        m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
        p10 = v[int((n - 1) * 0.1) + 1]; p90 = v[int((n - 1) * 0.9 + 0.5) + 1]
        printf "%.1f %.1f %.1f %.1f %.1f\n", m / 1000, p10 / 1000, p90 / 1000, v[1] / 1000, v[n] / 1000 }'
}

swap_events() { grep -c '"event":"swap"' "$state/events.jsonl" || true; }

# Files an invocation opened for writing, renamed or removed (from an strace -f log).
disk_writes() {
    grep -E 'openat\(.*(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND)|rename|unlink|mkdir' "$1" |
        grep -v -E '"/dev/(null|tty|pts)|ENOENT' |
        grep -v -E "\"$state/lock\", O_RDWR\|O_CREAT(\|O_NONBLOCK)?\|O_NOFOLLOW\|O_CLOEXEC, 0600\) = [0-9]" || true
}

# Median wall time (ms) of a command over 15 runs, timed as the benchmarks are.
median_ms() {
    local f="$tmp/median" r t0 t1 line="" word
    : >"$f"
    if [ "$timer" = hyperfine ]; then
        for word in "$@"; do line="$line $(shq "$word")"; done
        hyperfine -N --style none --runs 15 -i --export-json "$tmp/median.json" "$line" >/dev/null 2>&1
        split_times "$tmp/median.json" "$f"
    else
        for ((r = 0; r < 15; r++)); do
            t0=${EPOCHREALTIME/./}
            "$@" >/dev/null 2>&1 || true
            t1=${EPOCHREALTIME/./}
            echo $((t1 - t0)) >>"$f"
        done
    fi
    stats "$f" | cut -d' ' -f1
}

# Where a tick goes: starting the binary (`--version`); the tmux server's work for its calls
# (each call of the tmux-processes-only tick replayed alone through a tmux process, less what a
# bare `tmux display -p x` costs); and the rest: its own work (/proc scan, session files, state,
# detection) and the socket's round trip.
profile() {
    local tick_ms=$1 startup bare c args ms sum=0
    startup=$(median_ms "$bin" --version)
    bare=$(median_ms "$real_tmux" -S "$sock" display -p x)
    for c in $(ls "$tmp/calls.tick" | sort -n); do
        mapfile -d '' args <"$tmp/calls.tick/$c"
        ms=$(median_ms "$real_tmux" "${args[@]}")
        sum=$(awk -v a="$sum" -v b="$ms" -v c="$bare" 'BEGIN { print a + b - c }')
    done
    printf '  where a tick goes: start+exit %.1f + tmux server work %.1f + the rest %.1f ms (a bare tmux client process, which the socket saves, costs %.1f ms)\n' \
        "$startup" "$sum" "$(awk -v t="$tick_ms" -v s="$startup" -v u="$sum" 'BEGIN { print t - s - u }')" "$bare"
}

declare -A med naive_med clients naive_clients rss
fail=0
verdict() { # name ok(0/1) detail
    if [ "$2" = 1 ]; then printf '  PASS  %s  (%s)\n' "$1" "$3"; else
        printf '  FAIL  %s  (%s)\n' "$1" "$3"
        fail=1
    fi
}

# Wall time (ms, one decimal) of one run of a command, its output dropped.
once_ms() {
    local t0 t1
    t0=${EPOCHREALTIME/./}
    "$@" >/dev/null 2>&1 || true
    t1=${EPOCHREALTIME/./}
    awk -v d=$((t1 - t0)) 'BEGIN { printf "%.1f", d / 1000 }'
}

# Each case: 10 runs, the slowest must stay under 2 s (the status line's budget).
bounded_case() { # name command...
    local name=$1 f="$tmp/bounds" r worst
    shift
    : >"$f"
    for ((r = 0; r < 10; r++)); do
        t0=${EPOCHREALTIME/./}
        timeout 10 "$@" >/dev/null 2>&1 || true
        t1=${EPOCHREALTIME/./}
        echo $((t1 - t0)) >>"$f"
    done
    read -r m p10 p90 mn worst < <(stats "$f")
    verdict "$name" "$(awk -v w="$worst" 'BEGIN { print (w < 2000) ? 1 : 0 }')" \
        "median $m ms, max $worst ms over 10 runs; target < 2000 ms"
}

bounds() {
    add_panes 0 1
    local pane=${panes[0]} id=${ids[0]} holder transcript log mb=${BENCH_LOG_MB:-1024} k
    printf '429usage5h' >"$acc_b/sim-mode"
    type_line "$pane" "hit"
    wait_screens "$pane" "hit your 5-hour limit"
    printf 'ok' >"$acc_b/sim-mode"
    cf tick >/dev/null
    echo
    echo "bounded-time targets (1 Claude pane showing a limit; release binary; load $(cut -d' ' -f1-3 /proc/loadavg)):"
    # Another process holds the state lock (a long swap, a stuck process), for the whole case.
    flock -o "$state/lock" sleep 600 &
    holder=$!
    while flock -n "$state/lock" true; do sleep 0.05; done
    bounded_case "tick while another process holds the lock" "$bin" -S "$sock" tick
    kill "$holder" 2>/dev/null || true
    wait "$holder" 2>/dev/null || true
    # The pane's transcript is a FIFO nobody writes.
    transcript=$(find "$HOME/.claude-shared/projects" -name "$id.jsonl" | head -n 1)
    [ -n "$transcript" ] || { log "bench: no transcript for $id"; exit 1; }
    mv "$transcript" "$transcript.kept"
    mkfifo "$transcript"
    bounded_case "tick next to a FIFO transcript" "$bin" -S "$sock" tick
    rm -f "$transcript"
    mv "$transcript.kept" "$transcript"
    # A large event log (written aside, then put in place: the next append rotates it).
    log="$state/events.jsonl"
    log "bench: writing a ${mb} MiB event log"
    awk -v mb="$mb" 'BEGIN { line = "{\"ts\":\"2020-01-01T00:00:00Z\",\"event\":\"pad\",\"x\":\""
        for (i = 0; i < 180; i++) line = line "x"; line = line "\"}"
        n = mb * 1048576 / (length(line) + 1); for (i = 0; i < n; i++) print line }' >>"$log"
    bounded_case "events -n 3 on a ${mb} MiB log" "$bin" -S "$sock" events -n 3
    if [ -x /usr/bin/time ]; then
        k=$(/usr/bin/time -f %M "$bin" -S "$sock" events -n 3 2>&1 >/dev/null | tail -n 1)
        verdict "events -n 3 on a ${mb} MiB log: peak RSS" "$([ "$k" -lt 32768 ] && echo 1 || echo 0)" \
            "$k KiB; target < 32 MiB"
    fi
    printf '  the next event rotates the log: %s\n' "$(cf swap --to a --reason bench >/dev/null 2>&1
        ls -l "$state" | awk '/events/ { printf "%s %s B; ", $9, $5 }')"
}

if [ "$mode" = bounds ]; then
    bounds
    exit "$fail"
fi

have=0
idle_line="" strace_line=""
for n in "${sizes[@]}"; do
    log "bench: starting panes $have..$((n - 1))"
    add_panes "$have" "$n"
    have=$n
    real_claude=$(tm list-panes -a -F '#{pane_pid}' | wc -l)
    for _ in 1 2 3; do cf tick >/dev/null; done
    swaps_before=$(swap_events)

    : >"$tmp/a.$n" && : >"$tmp/c.$n" && : >"$tmp/b.$n"
    if [ "$timer" = hyperfine ]; then
        tick_cmd="$(shq "$bin") -S $(shq "$sock") tick"
        naive_cmd="sh $(shq "$naive") $(shq "$sock")"
        hyperfine -N --style none --warmup 3 --runs "$runs" --export-json "$tmp/h.$n.json" \
            "$tick_cmd" "$naive_cmd" >/dev/null
        split_times "$tmp/h.$n.json" "$tmp/a.$n" "$tmp/b.$n"
        CLAUDE_FAILOVER_TMUX_CLIENT=1 hyperfine -N --style none --warmup 3 --runs "$runs" \
            --export-json "$tmp/h.$n.client.json" "$tick_cmd" >/dev/null
        split_times "$tmp/h.$n.client.json" "$tmp/c.$n"
        found=$(sh "$naive" "$sock")
    else
        # Side by side: each round times one tick (reading tmux through its socket), one tick
        # made to use tmux client processes, and one naive loop, so drift hits all three alike.
        found=""
        for ((r = 0; r < runs; r++)); do
            t0=${EPOCHREALTIME/./}
            cf tick >/dev/null
            t1=${EPOCHREALTIME/./}
            CLAUDE_FAILOVER_TMUX_CLIENT=1 cf tick >/dev/null
            t2=${EPOCHREALTIME/./}
            found=$(sh "$naive" "$sock")
            t3=${EPOCHREALTIME/./}
            echo $((t1 - t0)) >>"$tmp/a.$n"
            echo $((t2 - t1)) >>"$tmp/c.$n"
            echo $((t3 - t2)) >>"$tmp/b.$n"
        done
    fi
    read -r am ap10 ap90 amin amax < <(stats "$tmp/a.$n")
    read -r cm cp10 cp90 cmin cmax < <(stats "$tmp/c.$n")
    read -r bm bp10 bp90 bmin bmax < <(stats "$tmp/b.$n")
    med[$n]=$am naive_med[$n]=$bm

    # Clients of one tick: tmux processes it starts (the counting wrapper) plus connections it
    # makes to the server's socket itself (strace); the server sees each as one client.
    : >"$count_file" && rm -f "$tmp/calls/"*
    CLAUDE_FAILOVER_TMUX="$tmp/wrap/tmux" "$bin" -S "$sock" tick >/dev/null
    processes=$(wc -l <"$count_file")
    connections="?"
    if command -v strace >/dev/null 2>&1; then
        connections=$(strace -qq -e trace=connect -o /dev/stdout "$bin" -S "$sock" tick 2>/dev/null |
            grep -c "sun_path=\"$sock\"" || true)
    fi
    clients[$n]=$((processes + ${connections/\?/0}))
    client_line="$processes tmux processes, $connections socket connections"
    : >"$count_file" && rm -f "$tmp/calls/"*
    CLAUDE_FAILOVER_TMUX_CLIENT=1 CLAUDE_FAILOVER_TMUX="$tmp/wrap/tmux" "$bin" -S "$sock" tick >/dev/null
    rm -rf "$tmp/calls.tick" && mv "$tmp/calls" "$tmp/calls.tick" && mkdir "$tmp/calls"
    : >"$count_file"
    PATH="$tmp/wrap:$PATH" sh "$naive" "$sock" >/dev/null
    naive_clients[$n]=$(wc -l <"$count_file")

    peak=0
    if [ -x /usr/bin/time ]; then
        for _ in 1 2 3 4 5; do
            k=$(/usr/bin/time -f %M "$bin" -S "$sock" tick 2>&1 >/dev/null | tail -n 1)
            [ "$k" -gt "$peak" ] && peak=$k
        done
        rss[$n]=$peak
    fi

    echo
    printf 'load average before this size: %s; timed with %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" \
        "$([ "$timer" = hyperfine ] && echo "hyperfine -N ($runs runs after 3 warm-up runs)" || echo "a bash loop ($runs rounds)")"
    printf 'panes: %d (tmux panes: %d; 529 on screen: %d; replayed limit on screen: %d; naive loop saw "hit your": %s)\n' \
        "$n" "$real_claude" "$(((n + 6) / 10))" "$(((n + 2) / 10))" "$found"
    printf '  (a) claude-failover tick   median %6.1f ms   p10-p90 %.1f-%.1f   min-max %.1f-%.1f   tmux clients %d (%s)\n' \
        "$am" "$ap10" "$ap90" "$amin" "$amax" "${clients[$n]}" "$client_line"
    printf '      the same through tmux processes only (CLAUDE_FAILOVER_TMUX_CLIENT=1): median %.1f ms   p10-p90 %.1f-%.1f\n' \
        "$cm" "$cp10" "$cp90"
    printf '  (b) naive per-pane loop    median %6.1f ms   p10-p90 %.1f-%.1f   min-max %.1f-%.1f   tmux clients %d\n' \
        "$bm" "$bp10" "$bp90" "$bmin" "$bmax" "${naive_clients[$n]}"
    printf '  ratio b/a: %.1fx' "$(awk -v a="$am" -v b="$bm" 'BEGIN { print (a > 0) ? b / a : 0 }')"
    [ -n "${rss[$n]:-}" ] && printf '   peak RSS of tick (max of it and its tmux clients): %d KiB' "${rss[$n]}"
    echo
    profile "$am"
    [ "$(swap_events)" = "$swaps_before" ] || { echo "bench: a swap happened during the bench" >&2; exit 1; }
done
biggest=${sizes[${#sizes[@]} - 1]}
if [ -n "${BENCH_PAUSE:-}" ]; then
    log "bench: server up for ${BENCH_PAUSE}s: $bin -S $sock tick (HOME=$HOME XDG_STATE_HOME=$XDG_STATE_HOME)"
    sleep "$BENCH_PAUSE" || true
fi

# Idle ticks must not touch the disk: the same state.json (inode and mtime) after 20 of them.
before="$(stat -c '%i %y' "$state/state.json") $(stat -c %s "$state/events.jsonl")"
for _ in $(seq 20); do cf tick >/dev/null; done
after="$(stat -c '%i %y' "$state/state.json") $(stat -c %s "$state/events.jsonl")"
idle_ok=0
[ "$before" = "$after" ] && idle_ok=1
idle_line="state.json inode+mtime and events.jsonl size across 20 idle ticks at $biggest panes: $before -> $after"
if command -v strace >/dev/null 2>&1; then
    strace -f -qq -o "$tmp/strace" -e trace=openat,open,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat \
        "$bin" -S "$sock" tick >/dev/null
    writes="$(disk_writes "$tmp/strace")"
    if [ -z "$writes" ]; then
        strace_line="strace -f: no file opened for writing, renamed, created or removed (the lock file is opened, locked and left untouched)"
    else
        idle_ok=0
        strace_line="strace -f: the idle tick wrote: $(echo "$writes" | head -n 5 | tr '\n' ' ')"
    fi
    execs=$(strace -f -qq -o /dev/stdout -e trace=execve "$bin" -S "$sock" tick 2>/dev/null | grep -c 'execve(.* = 0$' || true)
    strace_line="$strace_line; processes started by one tick: $((execs - 1))"
fi

echo
echo "idle: $idle_line"
[ -n "$strace_line" ] && echo "idle: $strace_line"
echo
echo "targets:"
if [ -n "${med[20]:-}" ]; then
    verdict "at 20 panes one tick makes at most 2 tmux clients" "$([ "${clients[20]}" -le 2 ] && echo 1 || echo 0)" "${clients[20]}"
    verdict "at 20 panes the median tick is at most 15 ms" "$(awk -v m="${med[20]}" 'BEGIN { print (m <= 15) ? 1 : 0 }')" "${med[20]} ms"
    verdict "at 20 panes a tick is at least 10x faster than the naive loop" \
        "$(awk -v a="${med[20]}" -v b="${naive_med[20]}" 'BEGIN { print (b >= 10 * a) ? 1 : 0 }')" \
        "$(awk -v a="${med[20]}" -v b="${naive_med[20]}" 'BEGIN { printf "%.1fx", b / a }')"
else
    echo "  (the 20-pane targets need 20 among the sizes)"
fi
if [ -n "${med[200]:-}" ]; then
    verdict "at 200 panes the median idle tick is at most 10 ms" "$(awk -v m="${med[200]}" 'BEGIN { print (m <= 10) ? 1 : 0 }')" "${med[200]} ms"
fi
verdict "an idle tick writes nothing" "$idle_ok" "${strace_line:-$idle_line}"
if [ -n "${rss[$biggest]:-}" ]; then
    verdict "peak RSS of a tick at most 10 MiB" "$([ "${rss[$biggest]}" -le 10240 ] && echo 1 || echo 0)" "${rss[$biggest]} KiB at $biggest panes"
else
    echo "  SKIP  peak RSS (no /usr/bin/time)"
fi
if [ ${#sizes[@]} -ge 3 ]; then
    # Linear: the cost of each extra pane in the big step is no more than twice that of the small
    # step (plus 0.05 ms of noise); a quadratic scan would blow past it.
    s0=${sizes[0]} s1=${sizes[1]} s2=${sizes[2]}
    read -r m1 m2 lin < <(awk -v a="${med[$s0]}" -v b="${med[$s1]}" -v c="${med[$s2]}" \
        -v x="$s0" -v y="$s1" -v z="$s2" 'BEGIN {
            m1 = (b - a) / (y - x); m2 = (c - b) / (z - y)
            printf "%.3f %.3f %d\n", m1, m2, (m2 <= 2 * m1 + 0.05) ? 1 : 0 }')
    verdict "cost grows roughly linearly with panes" "$lin" "per extra pane: ${m1} ms from $s0 to $s1, ${m2} ms from $s1 to $s2"
fi
exit $fail
