#!/usr/bin/env bash
# Build the release binaries: target/release/claude-failover (under $CARGO_TARGET_DIR if set)
# and, beside it, claude-sim (the simulated Claude Code that `claude-failover demo` runs).
#
# On Linux with glibc it is linked statically, as a static PIE (its load address is still
# randomised): it starts in about half the time of a dynamically linked one, and the status
# line starts it on every refresh of every client. Where the static C library is missing
# (Fedora and Arch ship it apart, as glibc-static), or the static link fails, it is built the
# ordinary way.
#
#   scripts/build.sh [cargo build options]              e.g. --quiet
#   scripts/build.sh --install [cargo install options]  `cargo install --path <repo> --bin
#                                                       claude-failover` instead (the product
#                                                       only, in ~/.cargo/bin)
#
# Environment: CARGO (the cargo to run, default: the one on PATH), CLAUDE_FAILOVER_DYNAMIC=1
# (skip the static build).
set -euo pipefail

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cargo=${CARGO:-cargo}
install=0
if [[ ${1:-} == --install ]]; then
	install=1
	shift
fi
# rustc sits beside cargo (rustup); PATH may not have it (a tmux server started from a desktop).
if [[ $cargo == */* ]]; then
	PATH="$(dirname -- "$cargo"):$PATH"
fi
cd -- "$repo"
target_dir=${CARGO_TARGET_DIR:-$repo/target}

host=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p') || host=""
libc_a=$(cc -print-file-name=libc.a 2>/dev/null) || libc_a=""
if [[ ${CLAUDE_FAILOVER_DYNAMIC:-} != 1 && $host == *-linux-gnu* && $libc_a == /* ]]; then
	# With --target, RUSTFLAGS reach this crate and its libraries but not the build scripts
	# and proc macros, which must stay dynamic (they are loaded by the compiler).
	static=(env RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static")
	if ((install)); then
		"${static[@]}" "$cargo" install --path "$repo" --locked --bin claude-failover --target "$host" "$@" && exit 0
	elif "${static[@]}" "$cargo" build --release --locked --target "$host" "$@"; then
		mkdir -p -- "$target_dir/release"
		# Copied then renamed: the binary in place may be running (a status line, a hook).
		for b in claude-failover claude-sim; do
			cp -- "$target_dir/$host/release/$b" "$target_dir/release/.$b.new"
			mv -f -- "$target_dir/release/.$b.new" "$target_dir/release/$b"
		done
		exit 0
	fi
	echo "build.sh: the static build failed; building the ordinary (dynamically linked) way" >&2
fi
if ((install)); then
	exec "$cargo" install --path "$repo" --locked --bin claude-failover "$@"
fi
exec "$cargo" build --release --locked "$@"
