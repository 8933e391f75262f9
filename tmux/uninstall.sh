#!/usr/bin/env bash
# Undo what claude-failover.tmux set in the running tmux server, in one tmux call: our hooks
# (users' hooks at other indexes stay), the swap key binding (only while it is still ours), and
# the polling chain (clearing its token makes the next link stop). The status segment is left
# alone: remove #{claude_failover} from status-left/right in tmux.conf and reload.
set -u

CF_SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd) || exit 1
# shellcheck source=quote.sh
source "$CF_SCRIPT_DIR/quote.sh"
# shellcheck source=apply.sh
source "$CF_SCRIPT_DIR/apply.sh"

out=$(tmux display-message -p '#{q:@claude-failover-bound-key}|') || {
	echo "uninstall.sh: no tmux server to talk to" >&2
	exit 1
}
cf_unquote "$out"
bound=${CF_FIELDS[0]:-}
CF_BATCH=()
for hook in "${CF_HOOKS[@]}"; do
	cf_batch_add set-hook -gu "$hook[$CF_HOOK_INDEX]"
done
cf_batch_add set-option -gu @claude-failover-chain
cf_batch_add set-option -gu @claude-failover-bound-key
cf_batch_add set-option -gu "$CF_NOTE_OPTION"
[[ -n $bound ]] && cf_key_is_ours "$bound" && cf_batch_add unbind-key -T prefix "$bound"
tmux "${CF_BATCH[@]}" || exit 1
echo "claude-failover: hooks, key binding and polling chain removed from this tmux server."
