#!/usr/bin/env bash
# tmux-claude-failover plugin entry. TPM runs it at tmux start-up; without TPM, add
#   run-shell '/path/to/tmux-claude-failover/claude-failover.tmux'
# to tmux.conf. Safe to run any number of times: each run replaces what the previous one set.
#
# Environment (all optional):
#   CLAUDE_FAILOVER_BIN         the claude-failover binary to use
#   CLAUDE_FAILOVER_PLUGIN_DIR  where to look for target/release/claude-failover and to build
#                               (default: this file's folder)
#   CLAUDE_FAILOVER_STATE_DIR   state folder (entry.log, build.log live there)
set -u

case ${BASH_SOURCE[0]} in
*/*) CF_SCRIPT_DIR=${BASH_SOURCE[0]%/*} ;;
*) CF_SCRIPT_DIR=. ;;
esac
CF_SCRIPT_DIR=$(cd -- "$CF_SCRIPT_DIR" && pwd) || exit 0
CF_PLUGIN_DIR=${CLAUDE_FAILOVER_PLUGIN_DIR:-$CF_SCRIPT_DIR}

# shellcheck source=tmux/quote.sh
source "$CF_SCRIPT_DIR/tmux/quote.sh"
# shellcheck source=tmux/common.sh
source "$CF_SCRIPT_DIR/tmux/common.sh"
# shellcheck source=tmux/binary.sh
source "$CF_SCRIPT_DIR/tmux/binary.sh"
# shellcheck source=tmux/apply.sh
source "$CF_SCRIPT_DIR/tmux/apply.sh"

if cf_find_binary; then
	cf_apply
	# Re-run by a finished build (binary.sh): say that it worked.
	[[ -n ${CLAUDE_FAILOVER_BUILT:-} ]] &&
		cf_say "claude-failover: built in ${CLAUDE_FAILOVER_BUILT} s; failover is on ($CF_BIN)"
else
	cf_build_or_explain "$CF_SCRIPT_DIR/claude-failover.tmux"
fi
exit 0
