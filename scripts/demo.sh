#!/usr/bin/env bash
# The live demo: builds claude-failover (release) if needed, then runs the whole failover loop
# on a throwaway tmux server with simulated accounts. `--headless` runs through and exits 0/1.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v tmux >/dev/null 2>&1 || { echo "demo: tmux is not installed" >&2; exit 1; }
command -v cargo >/dev/null 2>&1 || { echo "demo: cargo is not installed (https://rustup.rs)" >&2; exit 1; }
"$repo/scripts/build.sh" --quiet
exec "${CARGO_TARGET_DIR:-$repo/target}/release/claude-failover" demo "$@"
