#!/usr/bin/env bash
# The tmux version matrix: build each tmux once per machine, then run the suites that matter with
# that tmux first on PATH, and print a table (version x suite -> pass/FAIL).
#
#   scripts/tmux-matrix.sh [--build-only] [SOURCE ...]
#
# SOURCE is a tmux source tarball (tmux-VERSION.tar.gz, e.g. from github.com/tmux/tmux releases
# or a `git archive` snapshot) or an unpacked source tree. Without any, the tarballs in
# ../shared/tmux-src/ beside the clone are used when that folder exists; otherwise the script
# says it skipped and exits 0.
#
# Each tmux is built (niced, make -j2, one at a time) into
#   $TMUX_MATRIX_CACHE/<version>   (default ${XDG_CACHE_HOME:-~/.cache}/claude-failover/tmux)
# and rebuilt only when its source changes (a stamp holds the source's checksum).
#
# Suites: the full set (tmux_versions, entry, foundation, failover, links, robustness, the
# headless demo) runs on the oldest and newest version and on every version named in
# TMUX_MATRIX_FULL (default 3.5a, the last of the versions that escape control characters in
# command output); the others run the cheaper set (tmux_versions, entry, foundation, the
# headless demo), which still covers reading tmux output, the plugin entry and a whole swap.
# TMUX_MATRIX_FULL=all runs the full set everywhere. Two more cells mix versions: a server of
# the newest version with 3.5a's `tmux` first on PATH (what a package upgrade leaves: that
# client cannot talk to the server), and the reverse.
# Exit status: 0 when every cell passed; 1 otherwise. Logs: $TMUX_MATRIX_LOGS (default a temp dir).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_only=0
if [ "${1:-}" = --build-only ]; then
    build_only=1
    shift
fi
sources=("$@")
if [ ${#sources[@]} -eq 0 ]; then
    shared="$repo/../shared/tmux-src"
    if [ -d "$shared" ]; then
        mapfile -t sources < <(find "$shared" -maxdepth 1 -name 'tmux-*.tar.gz' | sort)
    fi
    if [ ${#sources[@]} -eq 0 ]; then
        echo "tmux-matrix: skipped: no tmux sources given and no ../shared/tmux-src/*.tar.gz beside the clone"
        echo "tmux-matrix: pass tarballs or source trees: scripts/tmux-matrix.sh tmux-3.4.tar.gz ..."
        exit 0
    fi
fi

cache="${TMUX_MATRIX_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/claude-failover/tmux}"
logs="${TMUX_MATRIX_LOGS:-$(mktemp -d "${TMPDIR:-/tmp}/tmux-matrix.XXXXXX")}"
mkdir -p "$cache" "$logs"

# "tmux-3.5a.tar.gz" -> "3.5a"; "tmux-master-c1f947a3c.tar.gz" -> "master-c1f947a3c".
version_of() {
    local b
    b="$(basename "$1")"
    b="${b%.tar.gz}"
    b="${b%.tgz}"
    echo "${b#tmux-}"
}

# Sort key so that 3.2a < 3.3a < 3.10 < master-* (master is newest).
sort_key() {
    case "$1" in
    [0-9]*) printf '%s\n' "$1" | awk -F'[.a-z-]' '{ printf "%04d.%04d.%s\n", $1, $2, $0 }' ;;
    *) echo "9999.9999.$1" ;;
    esac
}

checksum() {
    if [ -d "$1" ]; then
        (cd "$1" && find . -type f \( -name '*.c' -o -name '*.h' -o -name '*.ac' -o -name '*.am' \) -print0 |
            sort -z | xargs -0 cat | sha256sum | cut -d' ' -f1)
    else
        sha256sum "$1" | cut -d' ' -f1
    fi
}

# Build one tmux into $cache/<version> unless its stamp says it is there already.
build() {
    local src="$1" version="$2" prefix="$cache/$2" sum work tree
    sum="$(checksum "$src")"
    if [ -x "$prefix/bin/tmux" ] && [ "$(cat "$prefix/.source-sha256" 2>/dev/null)" = "$sum" ]; then
        return 0
    fi
    echo "tmux-matrix: building tmux $version into $prefix (log: $logs/build-$version.log)"
    work="$(mktemp -d "${TMPDIR:-/tmp}/tmux-matrix-build.XXXXXX")"
    if [ -d "$src" ]; then
        cp -R "$src/." "$work/"
        tree="$work"
    else
        tar xzf "$src" -C "$work"
        tree="$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n1)"
    fi
    rm -rf "$prefix"
    if ! (
        cd "$tree"
        [ -x configure ] || nice sh autogen.sh
        nice ./configure --prefix="$prefix"
        nice make -j2
        make install
    ) >"$logs/build-$version.log" 2>&1; then
        rm -rf "$work"
        echo "tmux-matrix: building tmux $version failed; the end of the log:" >&2
        tail -n 20 "$logs/build-$version.log" >&2
        return 1
    fi
    rm -rf "$work"
    echo "$sum" >"$prefix/.source-sha256"
}

# Versions in order, oldest first.
declare -A src_of=()
for s in "${sources[@]}"; do
    [ -e "$s" ] || { echo "tmux-matrix: no such source: $s" >&2; exit 2; }
    src_of["$(version_of "$s")"]="$s"
done
mapfile -t versions < <(for v in "${!src_of[@]}"; do echo "$(sort_key "$v") $v"; done | sort | cut -d' ' -f2)

failed_builds=()
for v in "${versions[@]}"; do
    build "${src_of[$v]}" "$v" || failed_builds+=("$v")
done
if ((build_only)); then
    [ ${#failed_builds[@]} -eq 0 ] || { echo "tmux-matrix: failed to build: ${failed_builds[*]}" >&2; exit 1; }
    echo "tmux-matrix: built ${versions[*]} in $cache"
    exit 0
fi

# What a failed cell printed, in the matrix's own output: a CI run keeps no log files. The
# panics with what follows each (the failed assertion), else the end of the log.
show_failure() {
    if grep -q "panicked at" "$1"; then
        grep -A 30 "panicked at" "$1" | head -n 120 | sed 's/^/    /' >&2
    else
        tail -n 30 "$1" | sed 's/^/    /' >&2
    fi
}

full_suites=(tmux_versions entry foundation failover links robustness demo)
cheap_suites=(tmux_versions entry foundation demo)
full_set=" ${TMUX_MATRIX_FULL:-3.5a} ${versions[0]} ${versions[${#versions[@]} - 1]} "

# The tests and the demo's binary are built once, with whatever tmux; each cell only runs them.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo/target}"
(cd "$repo" && cargo test --locked --no-run --test tmux_versions --test entry --test foundation \
    --test failover --test links --test robustness >"$logs/cargo-build.log" 2>&1) ||
    { echo "tmux-matrix: building the tests failed:" >&2; tail -n 30 "$logs/cargo-build.log" >&2; exit 1; }
"$repo/scripts/build.sh" --quiet >>"$logs/cargo-build.log" 2>&1 ||
    { echo "tmux-matrix: building the release binary failed:" >&2; tail -n 30 "$logs/cargo-build.log" >&2; exit 1; }

declare -A result=()
for v in "${versions[@]}"; do
    if [[ " ${failed_builds[*]} " == *" $v "* ]]; then
        for s in "${full_suites[@]}"; do result["$v/$s"]="no build"; done
        continue
    fi
    suites=("${cheap_suites[@]}")
    [[ "${TMUX_MATRIX_FULL:-}" == all || "$full_set" == *" $v "* ]] && suites=("${full_suites[@]}")
    bin="$cache/$v/bin"
    echo "tmux-matrix: tmux $v ($("$bin/tmux" -V)): ${suites[*]}"
    for s in "${suites[@]}"; do
        log="$logs/$v-$s.log"
        if [ "$s" = demo ]; then
            cmd=(bash "$repo/scripts/demo.sh" --headless)
        else
            cmd=(cargo test --locked --test "$s")
        fi
        if (cd "$repo" && env PATH="$bin:$PATH" "${cmd[@]}") >"$log" 2>&1; then
            result["$v/$s"]=pass
        else
            result["$v/$s"]=FAIL
            echo "tmux-matrix: tmux $v, $s failed (log: $log); its failures:" >&2
            show_failure "$log"
        fi
    done
done

# Mixed versions: the server is one version, the `tmux` on PATH another (the product must reach
# the server anyway). The test starts the server with PATH's first tmux and puts the other one
# first on PATH for the product.
declare -A mixed=()
old_one="" new_one="${versions[${#versions[@]} - 1]}"
for v in "${versions[@]}"; do
    case "$v" in 3.[2-5]*) old_one="$v" ;; esac
done
if [ -n "$old_one" ] && [ "$old_one" != "$new_one" ]; then
    for pair in "$new_one:$old_one" "$old_one:$new_one"; do
        server="${pair%%:*}" client="${pair#*:}"
        [[ " ${failed_builds[*]} " == *" $server "* || " ${failed_builds[*]} " == *" $client "* ]] && continue
        log="$logs/server-$server-client-$client.log"
        echo "tmux-matrix: server tmux $server, tmux $client first on PATH"
        if (
            cd "$repo"
            export PATH="$cache/$server/bin:$PATH" TMUX_MATRIX_OTHER_TMUX="$cache/$client/bin/tmux"
            cargo test --locked --test tmux_versions a_tmux_on_path &&
                cargo test --locked --test entry cannot_reach_the_server
        ) >"$log" 2>&1; then
            mixed["$server/$client"]=pass
        else
            mixed["$server/$client"]=FAIL
            echo "tmux-matrix: server $server with tmux $client on PATH failed (log: $log); its failures:" >&2
            show_failure "$log"
        fi
    done
fi

# The table, Markdown so it can be pasted into docs/install.md.
status=0
printf '\n| tmux |'
for s in "${full_suites[@]}"; do printf ' %s |' "$s"; done
printf '\n|---|'
for _ in "${full_suites[@]}"; do printf -- '---|'; done
printf '\n'
for v in "${versions[@]}"; do
    printf '| %s |' "$v"
    for s in "${full_suites[@]}"; do
        r="${result[$v/$s]:-}"
        [ -z "$r" ] && r="–"
        [ "$r" = pass ] || [ "$r" = "–" ] || status=1
        printf ' %s |' "$r"
    done
    printf '\n'
done
for k in "${!mixed[@]}"; do
    printf 'server tmux %s, tmux %s first on PATH: the entry installs, a swap completes: %s\n' "${k%%/*}" "${k#*/}" "${mixed[$k]}"
    [ "${mixed[$k]}" = pass ] || status=1
done
echo "tmux-matrix: logs in $logs"
exit "$status"
