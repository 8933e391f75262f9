#!/usr/bin/env bash
# Send claude-failover events to Telegram. Use as:
#   set -g @claude-failover-notify '/path/to/scripts/notify-telegram.sh'
# Reads the event JSON on stdin. Needs TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID in the
# environment of the tmux server (e.g. `tmux set-environment -g TELEGRAM_BOT_TOKEN ...`) and curl.
# The token is handed to curl on its standard input, never on a command line (where `ps` would
# show it) and never printed.
set -u

event_json=$(head -c 65536)
token=${TELEGRAM_BOT_TOKEN:-}
chat=${TELEGRAM_CHAT_ID:-}
if [ -z "$token" ] || [ -z "$chat" ]; then
  echo "notify-telegram: TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID must be set" >&2
  exit 2
fi
command -v curl >/dev/null 2>&1 || { echo "notify-telegram: curl is not installed" >&2; exit 2; }

field() { # the string value of a top-level JSON field, good enough for our flat events
  printf '%s' "$event_json" | grep -o "\"$1\":\"[^\"]*\"" | head -n 1 | cut -d'"' -f4
}
event=$(field event)
case "$event" in
  swap) text="Claude accounts: swapped $(field from) -> $(field to). $(field reason)" ;;
  all-exhausted) text="Claude accounts: every account is exhausted ($(field from) hit its limit). Nothing was restarted." ;;
  limit) text="Claude account $(field account) hit its limit: $(field line)" ;;
  *) text="claude-failover: $event_json" ;;
esac
text="$(hostname 2>/dev/null || echo host): $text"

# curl reads its URL (with the token) from the config on stdin.
printf 'url = "https://api.telegram.org/bot%s/sendMessage"\n' "$token" |
  curl --silent --show-error --max-time 15 --config - \
    --data-urlencode "chat_id=$chat" --data-urlencode "text=$text" -o /dev/null ||
  { echo "notify-telegram: sending failed (token not shown)" >&2; exit 1; }
