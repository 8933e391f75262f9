#!/usr/bin/env bash
# Build and install the claude-failover binary from this checkout, then print the tmux.conf
# lines that turn the plugin on. Safe to run again (it rebuilds and replaces the binary). It
# never edits tmux.conf: the lines are printed for you to add.
#
#   scripts/install.sh               cargo install --path <repo> --locked --bin claude-failover
#                                    (binary in ~/.cargo/bin; the demo's simulator is not installed)
#   scripts/install.sh --build-only  cargo build --release --locked (binaries in <repo>/target/release,
#                                    where the plugin entry looks first)
# Both through scripts/build.sh: on Linux with glibc the binary is linked statically (it starts
# faster, and the status line starts it on every refresh).
set -u

repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd) || exit 1
# shellcheck source=../tmux/quote.sh
source "$repo/tmux/quote.sh"

mode=install
case ${1:-} in
"") ;;
--build-only) mode=build ;;
-h | --help)
	sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "install.sh: unknown argument '$1' (try --help)" >&2
	exit 2
	;;
esac

cargo=$(command -v cargo 2>/dev/null)
for candidate in ${CARGO_HOME:+"$CARGO_HOME/bin/cargo"} ${HOME:+"$HOME/.cargo/bin/cargo"}; do
	[[ -z $cargo && -f $candidate && -x $candidate ]] && cargo=$candidate
done
if [[ -z $cargo ]]; then
	cat >&2 <<MSG
install.sh: cargo (the Rust build tool) was not found on PATH nor in ~/.cargo/bin.
Install Rust from https://rustup.rs (curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh),
open a new shell, then run this script again: $repo/scripts/install.sh
MSG
	exit 1
fi

if [[ $mode == install ]]; then
	echo "==> $cargo install --path $repo --locked --bin claude-failover"
	CARGO=$cargo "$repo/scripts/build.sh" --install || {
		echo "install.sh: cargo install failed (see the messages above)." >&2
		exit 1
	}
	bin_dir=${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin
	echo "==> installed $bin_dir/claude-failover"
	case ":$PATH:" in
	*":$bin_dir:"*) ;;
	*) echo "    note: $bin_dir is not on your PATH; the tmux plugin finds it there anyway." ;;
	esac
else
	echo "==> $cargo build --release --locked (in $repo)"
	CARGO=$cargo "$repo/scripts/build.sh" || {
		echo "install.sh: cargo build failed (see the messages above)." >&2
		exit 1
	}
	echo "==> built $repo/target/release/claude-failover"
fi

# The run-shell line as tmux must read it: sh-quoted path, `#` doubled for run-shell's format
# expansion, then quoted for tmux's own parser.
cf_shq "$repo/claude-failover.tmux"
cf_fmt_escape "$REPLY"
cf_tmq "$REPLY"
run_line="run-shell $REPLY"

cat <<CONF

Add these lines to ~/.tmux.conf (or ~/.config/tmux/tmux.conf):

  # Claude Code accounts, in failover order (NAME=DIR, ~ expands)
  set -g @claude-failover-accounts 'personal=~/.claude work=~/.claude-work'
  # Where the status segment goes: #{claude_failover} is replaced when the plugin loads
  set -g status-right '#{claude_failover} %H:%M'

  # Then EITHER with TPM (use this repository's actual owner/name, e.g. 'owner/tmux-claude-failover'),
  # before the line that runs TPM:
  set -g @plugin 'tmux-claude-failover'

  # OR without TPM, after the lines above:
  $run_line

Reload with: tmux source-file ~/.tmux.conf   (or restart tmux)
Manual swap: prefix + S (option @claude-failover-swap-key). Check: claude-failover status
CONF
