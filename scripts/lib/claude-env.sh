# shellcheck shell=bash
# Running the real Claude Code CLI offline: install it from npm into a cache, start the mock
# Anthropic API, and prepare account homes that skip every first-run screen.
# Sourced by scripts/real-claude-e2e.sh and scripts/claude-versions.sh (after scripts/lib/e2e.sh);
# functions are prefixed `cfe_`.

# cfe_require_tools NAME: exit 1, saying so as NAME, unless every tool of a run is installed.
cfe_require_tools() {
	local tool
	for tool in tmux python3 ps awk timeout; do
		command -v "$tool" >/dev/null 2>&1 || {
			echo "$1: '$tool' is required but not installed" >&2
			exit 1
		}
	done
}

# cfe_set_cf NAME [PATH]: CF, the absolute path of the claude-failover under test: PATH, else the
# release build of this repository (built now); exit 1, saying so as NAME, if not executable.
cfe_set_cf() {
	local repo
	CF=${2:-}
	if [[ -z $CF ]]; then
		repo=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
		e2e_log "building claude-failover (scripts/build.sh) ..."
		timeout 1500 "$repo/scripts/build.sh" --quiet
		CF="${CARGO_TARGET_DIR:-$repo/target}/release/claude-failover"
	fi
	CF=$(cd -P -- "$(dirname -- "$CF")" && pwd)/$(basename -- "$CF")
	[[ -x $CF ]] || {
		echo "$1: $CF is not an executable" >&2
		exit 1
	}
}

# cfe_new_run NAME: one run's temporary folder ROOT (its real path) and tmux socket name
# E2E_SOCK, no mock or claude seen yet (CFE_MOCK_PID, KNOWN_CLAUDE_PIDS); the caller's `cleanup`
# runs on exit, and an unexpected error's line is kept in E2E_ERR_LINE.
cfe_new_run() {
	ROOT=$(mktemp -d "${TMPDIR:-/tmp}/cf-$1.XXXXXX")
	ROOT=$(cd -P -- "$ROOT" && pwd)
	E2E_SOCK="cf$1-$$"
	CFE_MOCK_PID=""
	KNOWN_CLAUDE_PIDS=()
	trap cleanup EXIT
	trap 'E2E_ERR_LINE=$LINENO' ERR
	trap 'exit 130' INT TERM
}

# cfe_mock_up MOCK MAX_SECONDS: the mock on a free PORT, in mode `ok` (mode file $ROOT/mode, log
# $ROOT/mock.log), and its environment exported, the CLI's time zone TZ_E2E (CLAUDE_E2E_TZ,
# default Europe/Paris). Fails when the mock did not start.
cfe_mock_up() {
	local kv
	PORT=$(cfe_free_port)
	echo ok >"$ROOT/mode"
	cfe_start_mock "$1" "$PORT" "$ROOT/mode" "$ROOT/mock.log" "$2" || return 1
	TZ_E2E=${CLAUDE_E2E_TZ:-Europe/Paris}
	while IFS= read -r kv; do export "${kv?}"; done < <(cfe_mock_env "$PORT" "$TZ_E2E")
}

# Where the npm installs are kept between runs (several hundred MB each).
cfe_cache_root() {
	printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/claude-failover-e2e"
}

# cfe_install_claude SPEC: print the path of the `claude` of @anthropic-ai/claude-code@SPEC,
# installing it first unless a working install is already cached. `latest` is the default
# because a bare package name makes npm pick the newest release whose `engines.node` fits the
# local node, which can be months older than what users run (the CLI itself is a native binary).
cfe_install_claude() {
	local spec=$1 prefix bin registry
	prefix="$(cfe_cache_root)/npm-${spec//[^A-Za-z0-9._-]/_}"
	bin="$prefix/node_modules/.bin/claude"
	if [[ -x $bin ]] && timeout 30 "$bin" --version >/dev/null 2>&1; then
		printf '%s\n' "$bin"
		return 0
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "npm is not installed: it is needed to fetch @anthropic-ai/claude-code from the npm registry" >&2
		return 1
	fi
	registry=$(timeout 30 npm config get registry 2>/dev/null || echo '?')
	mkdir -p "$prefix"
	echo "installing @anthropic-ai/claude-code@$spec from $registry into $prefix (about 400 MB) ..." >&2
	if ! timeout 900 npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
		"@anthropic-ai/claude-code@$spec" >"$prefix/npm-install.log" 2>&1; then
		echo "cannot install @anthropic-ai/claude-code@$spec from the npm registry ($registry);" \
			"npm said (full log: $prefix/npm-install.log):" >&2
		tail -n 15 "$prefix/npm-install.log" | sed 's/^/  npm: /' >&2
		return 1
	fi
	# Without its optionalDependencies the package holds only a placeholder that cannot run.
	if ! timeout 30 "$bin" --version >/dev/null 2>&1; then
		echo "@anthropic-ai/claude-code@$spec was installed but '$bin --version' fails:" \
			"was the native package (optionalDependencies) left out? log: $prefix/npm-install.log" >&2
		return 1
	fi
	printf '%s\n' "$bin"
}

# A TCP port on 127.0.0.1 that was free a moment ago; within CFE_PORT_RANGE (`LOW-HIGH`) when set
# (machines that share ports between several runs give each its own range).
cfe_free_port() {
	python3 - "${CFE_PORT_RANGE:-}" <<'PY'
import random, socket, sys
rng = sys.argv[1]
ports = [0]
if rng:
    lo, hi = (int(x) for x in rng.split("-"))
    ports = random.sample(range(lo, hi + 1), min(200, hi - lo + 1))
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        continue
    finally_port = s.getsockname()[1]
    s.close()
    print(finally_port)
    sys.exit(0)
sys.exit("no free port in " + rng)
PY
}

# cfe_start_mock MOCK PORT MODEFILE LOG MAX_SECONDS: start the mock in the background (mode read
# from MODEFILE at every request), set CFE_MOCK_PID, and wait until it listens.
cfe_start_mock() {
	local mock=$1 port=$2 modefile=$3 log=$4 max=$5 i
	python3 "$mock" "$port" "@$modefile" "$log" "$max" 2000 >>"$log.out" 2>&1 &
	CFE_MOCK_PID=$!
	for ((i = 0; i < 50; i++)); do
		# It logs "mock start" after binding the port, before serving.
		if grep -q '^mock start' "$log" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$CFE_MOCK_PID" 2>/dev/null; then
			echo "the mock API exited at start; its output:" >&2
			cat "$log.out" >&2 || true
			return 1
		fi
		sleep 0.1
	done
	echo "the mock API did not start listening on 127.0.0.1:$port within 5 s" >&2
	return 1
}

# cfe_mock_env PORT TZ: the environment (NAME=VALUE lines) that makes the real CLI talk to the mock
# as a subscription login, with no update checks, no telemetry, and errors shown after one retry.
cfe_mock_env() {
	printf '%s\n' \
		"ANTHROPIC_BASE_URL=http://127.0.0.1:$1" \
		"CLAUDE_CODE_OAUTH_TOKEN=sk-ant-oat01-mock" \
		"DISABLE_AUTOUPDATER=1" \
		"DISABLE_TELEMETRY=1" \
		"DISABLE_ERROR_REPORTING=1" \
		"CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1" \
		"CLAUDE_CODE_MAX_RETRIES=1" \
		"TZ=$2"
}

# cfe_write_claude_home DIR WORKDIR VERSION: an account home whose first start shows no
# onboarding, theme or trust screen for WORKDIR.
cfe_write_claude_home() {
	local dir=$1 work=$2 version=$3
	mkdir -p "$dir"
	python3 - "$dir/.claude.json" "$work" "$version" <<'PY'
import json, sys
path, work, version = sys.argv[1:4]
with open(path, "w") as f:
    json.dump({"numStartups": 5, "hasCompletedOnboarding": True, "lastOnboardingVersion": version,
               "theme": "dark", "autoUpdates": False,
               "projects": {work: {"hasTrustDialogAccepted": True, "allowedTools": [],
                                   "hasCompletedProjectOnboarding": True}}}, f)
PY
	printf '{"theme":"dark"}\n' >"$dir/settings.json"
}

# cfe_private_world ROOT: HOME, the XDG folders, TMPDIR and the tmux socket folder all under
# ROOT, and nothing inherited that would point the CLI, tmux or claude-failover elsewhere.
cfe_private_world() {
	export HOME="$1/home"
	export XDG_STATE_HOME="$1/state" XDG_CONFIG_HOME="$1/config" XDG_CACHE_HOME="$1/cache"
	export XDG_DATA_HOME="$1/data" TMUX_TMPDIR="$1/tmux" TMPDIR="$1/tmp"
	unset TMUX TMUX_PANE CLAUDE_CONFIG_DIR CLAUDE_FAILOVER_STATE_DIR ANTHROPIC_API_KEY ANTHROPIC_AUTH_TOKEN
	mkdir -p "$HOME" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$TMUX_TMPDIR" "$TMPDIR"
}

# cfe_ours_alive ROOT PID...: those of PIDS still running with the HOME of cfe_private_world ROOT.
cfe_ours_alive() {
	local root=$1 q
	shift
	for q in "$@"; do
		[[ $(e2e_proc_env "$q" HOME) == "$root/home" ]] && echo "$q"
	done
	return 0
}

# cfe_end_claudes ROOT PID...: the CLI exits on its tmux server's SIGHUP; end only what is still
# ours among PIDS (same pid, our HOME), and wait for it, so that nothing of a run outlives it.
# (Uses e2e_wait_until and e2e_proc_env of scripts/lib/e2e.sh.)
cfe_end_claudes() {
	local cfe_root=$1 p
	shift
	local -a cfe_pids=("$@")
	e2e_wait_until 3 eval '[[ -z $(cfe_ours_alive "$cfe_root" "${cfe_pids[@]}") ]]' ||
		for p in $(cfe_ours_alive "$cfe_root" "${cfe_pids[@]}"); do kill "$p" 2>/dev/null || true; done
	e2e_wait_until 5 eval '[[ -z $(cfe_ours_alive "$cfe_root" "${cfe_pids[@]}") ]]' ||
		echo "still running after cleanup: $(cfe_ours_alive "$cfe_root" "${cfe_pids[@]}")"
}

# cfe_stop_run ROOT: stop what a run under ROOT started: its tmux server (E2E_SOCK), the mock
# (CFE_MOCK_PID) and the claude processes it saw (KNOWN_CLAUDE_PIDS).
cfe_stop_run() {
	timeout 10 tmux -L "$E2E_SOCK" -f /dev/null kill-server >/dev/null 2>&1 || true
	if [[ -n ${CFE_MOCK_PID:-} ]]; then kill "$CFE_MOCK_PID" 2>/dev/null || true; fi
	cfe_end_claudes "$1" "${KNOWN_CLAUDE_PIDS[@]}"
}

# cfe_finish_run ROOT RC: stop what the run under ROOT started; remove ROOT after a clean pass
# (RC 0, no failed check, CLAUDE_E2E_KEEP not 1), else say where it was kept.
cfe_finish_run() {
	cfe_stop_run "$1"
	if (($2 == 0 && E2E_FAILED == 0)) && [[ ${CLAUDE_E2E_KEEP:-} != 1 ]]; then
		rm -rf -- "$1"
	else
		echo "temporary folder kept for inspection: $1"
	fi
}
