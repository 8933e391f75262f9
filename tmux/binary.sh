# shellcheck shell=bash
# Finding the claude-failover binary, or building it without holding up tmux start-up.

# Sets CF_BIN to the binary's absolute path; fails when there is none. Order: $CLAUDE_FAILOVER_BIN,
# the plugin's own release build (what TPM users get after the first build), PATH, then where
# `cargo install` puts it (a tmux server started from a desktop session often has a PATH
# without ~/.cargo/bin).
cf_find_binary() {
	local candidate
	for candidate in "${CLAUDE_FAILOVER_BIN:-}" "$CF_PLUGIN_DIR/target/release/claude-failover" \
		"$(command -v claude-failover 2>/dev/null)" \
		${CARGO_HOME:+"$CARGO_HOME/bin/claude-failover"} ${HOME:+"$HOME/.cargo/bin/claude-failover"}; do
		if [[ -n $candidate && -f $candidate && -x $candidate ]]; then
			cf_abs "$candidate"
			CF_BIN=$REPLY
			return 0
		fi
	done
	return 1
}

# Cargo from PATH, or from rustup's usual place (PATH may lack it, as above).
cf_find_cargo() {
	local candidate
	if candidate=$(command -v cargo 2>/dev/null) && [[ -n $candidate ]]; then
		REPLY=$candidate
		return 0
	fi
	for candidate in ${CARGO_HOME:+"$CARGO_HOME/bin/cargo"} ${HOME:+"$HOME/.cargo/bin/cargo"}; do
		if [[ -f $candidate && -x $candidate ]]; then
			REPLY=$candidate
			return 0
		fi
	done
	return 1
}

# No binary: start the release build (scripts/build.sh) in the plugin folder in the background and re-run the
# entry when it is done, or explain what to install. Never fails (tmux start-up must go on).
cf_build_or_explain() {
	local entry=$1 cargo state log lock pid
	if [[ -n ${CLAUDE_FAILOVER_BUILT:-} ]]; then
		# The build said it succeeded yet left no binary: say so instead of building forever.
		cf_show_note "CC ⚠ no binary"
		cf_say "claude-failover: the build finished but $CF_PLUGIN_DIR/target/release/claude-failover is missing; set CLAUDE_FAILOVER_BIN to the binary"
		return 0
	fi
	if ! cf_find_cargo; then
		cf_show_note "CC ⚠ not installed"
		cf_say "claude-failover: the claude-failover program is not installed and cargo is missing: install Rust from https://rustup.rs and run $CF_PLUGIN_DIR/scripts/install.sh (or set CLAUDE_FAILOVER_BIN)"
		return 0
	fi
	cargo=$REPLY
	cf_state_dir
	state=$REPLY
	log=$state/build.log
	lock=$state/build.lock
	# One build at a time: a config reload during a build must not start a second one. The lock
	# holds the builder's pid so that a lock left by a killed build does not block forever.
	cf_show_note "CC building…"
	if ! mkdir -- "$lock" 2>/dev/null; then
		pid=$(cat -- "$lock/pid" 2>/dev/null)
		if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
			cf_say "claude-failover: still building (log: $log)"
			return 0
		fi
		rm -rf -- "$lock"
		mkdir -- "$lock" 2>/dev/null || return 0
	fi
	# This entry's pid until the builder writes its own, so that a run in between sees a live pid.
	printf '%s\n' "$$" >"$lock/pid"
	cf_say "claude-failover: building the binary, a few minutes the first time; the status line shows CC building… until it is done (scripts/build.sh: cargo build --release, log: $log)"
	(
		trap 'rm -rf -- "$lock"' EXIT
		printf '%s\n' "$BASHPID" >"$lock/pid"
		printf '\n== scripts/build.sh (cargo build --release --locked) in %s\n' "$CF_PLUGIN_DIR"
		SECONDS=0
		if CARGO=$cargo "$CF_PLUGIN_DIR/scripts/build.sh"; then
			CLAUDE_FAILOVER_BUILT=$SECONDS "$entry"
		else
			cf_show_note "CC ⚠ build failed, see build.log"
			cf_build_error "$log"
			cf_say "claude-failover: cargo build failed: $REPLY (full log: $log)"
		fi
	) </dev/null >>"$log" 2>&1 &
	disown 2>/dev/null
	return 0
}

# The first error line of the log's last build (cargo's `error[E…]: …`), else its last line.
cf_build_error() {
	local line first="" last=""
	while IFS= read -r line; do
		case $line in
		"== scripts/build.sh"*) first="" last="" ;;
		error*) [[ -z $first ]] && first=$line ;;
		esac
		[[ -n ${line//[[:space:]]/} ]] && last=$line
	done <"$1"
	REPLY=${first:-$last}
}
