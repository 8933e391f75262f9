# shellcheck shell=bash
# Running the real Claude Code CLI offline: install it from npm into a cache, start the mock
# Anthropic API, and prepare account homes that skip every first-run screen.
# Sourced by scripts/real-claude-e2e.sh; functions are prefixed `cfe_`.

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

# A TCP port on 127.0.0.1 that was free a moment ago.
cfe_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
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
