#!/bin/bash
# Shared helpers for Sovra's host scripts. Source it; do not execute it.
# Provides: timed logging (log/die), wait_for, pid helpers.

# Start of the clock for elapsed-time logging; callers may reset it.
SOVRA_T0=${SOVRA_T0:-$(date +%s%N)}
SOVRA_LOG_TAG=${SOVRA_LOG_TAG:-sovra}

# elapsed_ms [START_NS] -> milliseconds since START_NS (default: script start)
elapsed_ms() {
    local start=${1:-$SOVRA_T0}
    echo $(( ($(date +%s%N) - start) / 1000000 ))
}

# fmt_ms MS -> "12.3"
fmt_ms() {
    local ms=$1
    printf '%d.%d' $((ms / 1000)) $(((ms % 1000) / 100))
}

# log MESSAGE... -> "[tag +1.2s] MESSAGE" on stderr (stdout stays free for data)
log() {
    printf '[%s +%ss] %s\n' "$SOVRA_LOG_TAG" "$(fmt_ms "$(elapsed_ms)")" "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# step NAME CMD... : runs CMD, logs "NAME ... done (x.ys)" with the step's own duration.
step() {
    local name=$1; shift
    local t
    t=$(date +%s%N)
    log "$name ..."
    local rc=0
    "$@" || rc=$?
    if [ $rc -ne 0 ]; then
        log "$name FAILED (rc=$rc, $(fmt_ms "$(elapsed_ms "$t")")s)"
        return $rc
    fi
    log "$name done ($(fmt_ms "$(elapsed_ms "$t")")s)"
}

# wait_for TIMEOUT_SECONDS DESCRIPTION CMD... : polls CMD every 0.1 s until it succeeds.
wait_for() {
    local timeout=$1 what=$2; shift 2
    local deadline=$(( $(date +%s%N) + timeout * 1000000000 ))
    while ! "$@" >/dev/null 2>&1; do
        if [ "$(date +%s%N)" -ge "$deadline" ]; then
            log "timed out after ${timeout}s waiting for $what"
            return 1
        fi
        sleep 0.1
    done
}

# proc_running PID : true if PID is a process that has not exited. A zombie does not count: PID 1 here
# is not an init and reaps orphans (every daemon) only every second or two, while kill -0 succeeds on them.
proc_running() {
    local st
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
    [ -n "$st" ] && [ "${st:0:1}" != Z ] && [ "${st:0:1}" != X ]
}

# pid_alive PIDFILE : true if PIDFILE names a live process.
pid_alive() {
    local f=$1 p
    [ -s "$f" ] || return 1
    p=$(cat "$f" 2>/dev/null) || return 1
    [[ "$p" =~ ^[0-9]+$ ]] || return 1
    proc_running "$p"
}

# stop_pidfile PIDFILE [TIMEOUT_SECONDS] : TERM the process named by PIDFILE, KILL after timeout.
stop_pidfile() {
    local f=$1 timeout=${2:-10} p i
    if ! pid_alive "$f"; then
        rm -f "$f"
        return 0
    fi
    p=$(cat "$f")
    kill "$p" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        proc_running "$p" || break
        sleep 0.1
    done
    if proc_running "$p"; then
        log "pid $p ($f) did not stop in ${timeout}s, killing"
        kill -9 "$p" 2>/dev/null || true
    fi
    rm -f "$f"
}

require_root() {
    [ "$(id -u)" -eq 0 ] || die "must run as root"
}

# Installs the Debian packages given that are not installed yet (quietly, without recommends). Waits for the
# dpkg lock that another apt run may hold rather than failing.
install_packages() {
    local p status missing=()
    for p in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
        [ "${status:0:2}" = "ii" ] || missing+=("$p")
    done
    if [ ${#missing[@]} -eq 0 ]; then
        log "packages: all $# present"
        return 0
    fi
    log "packages missing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    step "apt-get update" apt-get update -qq -o DPkg::Lock::Timeout=300 || return
    step "apt-get install" apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 \
        -o Dpkg::Options::=--force-unsafe-io "${missing[@]}" >/dev/null
}
