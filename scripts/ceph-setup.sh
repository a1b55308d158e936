#!/bin/bash
# Single-node Ceph (Debian 12's Pacific 16.2.15) on loopback, with cephx, for Sovra's tests and
# single-box installs. Production Ceph is the operator's own cluster; this one is deliberately small:
#
#   scripts/ceph-setup.sh [up]     install packages if missing, start (or create) the cluster; 7-8 s fresh
#   scripts/ceph-setup.sh status   up or down, health, pool, user (exit 0 when up, 3 when down)
#   scripts/ceph-setup.sh down     stop the daemons (by pid file) and delete the cluster's data and keys
#
# What `up` leaves behind:
#   mon.a    v2 127.0.0.1:3300 and v1 127.0.0.1:6789      data /var/lib/ceph/mon/ceph-a
#   mgr.x    (pool statistics for `ceph df`, rbd_support)  data /var/lib/ceph/mgr/ceph-x
#   osd.0    memstore, thin, capped at 4 GiB of RAM        data /var/lib/ceph/osd/ceph-0
#   pool `sovra` (pg_num 8, size 1, min_size 1, application rbd)
#   cephx user client.sovra: mon 'profile rbd' osd 'profile rbd pool=sovra' mgr 'profile rbd pool=sovra'
#   /etc/ceph/ceph.conf                     read by default by the ceph/rbd CLIs, librados, librbd and QEMU
#   /etc/ceph/ceph.client.admin.keyring     (0600) full admin
#   /etc/ceph/ceph.client.sovra.keyring     (0600) what Sovra uses: `rbd --id sovra ...`
#   pid files /var/run/ceph/ceph-{mon.a,mgr.x,osd.0}.pid, logs /var/log/ceph/ceph-{mon.a,mgr.x,osd.0}.log
# Keys are generated on each fresh creation; nothing secret lives in the repository. So after a
# recreation, anything holding the old key (a libvirt secret: `virsh secret-set-value --secret UUID
# --file F` with F from `ceph auth get-key client.sovra`) must be given the new one.
# QEMU/libvirt disks: <source protocol='rbd' name='sovra/IMAGE'><host name='127.0.0.1' port='3300'/>
# </source><auth username='sovra'><secret type='ceph' uuid='UUID'/></auth>.
#
# Why memstore and size 1: one OSD on one box cannot replicate anyway, and memstore needs no disk
# and is the fastest to create (bluestore on a sparse file takes a few seconds more). Its objects live
# in the OSD's RAM, so they do not survive the OSD process. Thin, but in 64 KiB pages: scattered 4 KiB
# writes cost 64 KiB each, and the OSD keeps freed memory (RSS ~36 MiB empty, ~1.1 GiB after writing 1 GiB).
#
# Idempotence: when the daemons are alive and client.sovra can list pool `sovra`, `up` does nothing
# and returns in about a second. A dead mgr (stateless) is simply restarted. If the mon or the OSD is
# dead, the cluster is NOT restarted but recreated from scratch (new fsid, new keys, empty pool):
# a dead memstore OSD has lost its objects, so a restart would only bring back an inconsistent cluster.
# If every daemon runs but client.sovra still cannot list the pool (slow machine, pool deleted), `up`
# fails instead of deleting what others may be using: run `down` then `up` to recreate.
# up and down take a lock, so concurrent callers (parallel test runs) wait for each other.
# No systemd here: daemons are started directly (they daemonize) and stopped by pid file.
# The script refuses to touch an /etc/ceph/ceph.conf that it did not write.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOVRA_LOG_TAG=ceph-setup
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

PACKAGES=(ceph-mon ceph-osd ceph-mgr ceph-common librados2 librbd1)

MON_ID=a
MGR_ID=x
OSD_ID=0
MON_V2=127.0.0.1:3300
MON_V1=127.0.0.1:6789
POOL=sovra
POOL_PGS=8
CLIENT=sovra
MEMSTORE_BYTES=${SOVRA_CEPH_MEMSTORE_BYTES:-4294967296}
TIMEOUT=${SOVRA_CEPH_TIMEOUT:-120}   # seconds for each wait; a fresh cluster needs about 10 s in total

CONF=/etc/ceph/ceph.conf
LOCK=/run/lock/sovra-ceph-setup.lck
CONF_MARK="# written by sovra scripts/ceph-setup.sh"
ADMIN_KEYRING=/etc/ceph/ceph.client.admin.keyring
CLIENT_KEYRING=/etc/ceph/ceph.client.$CLIENT.keyring
DATA=/var/lib/ceph
RUN=/var/run/ceph
LOGS=/var/log/ceph
MON_DATA=$DATA/mon/ceph-$MON_ID
MGR_DATA=$DATA/mgr/ceph-$MGR_ID
OSD_DATA=$DATA/osd/ceph-$OSD_ID
MON_PID=$RUN/ceph-mon.$MON_ID.pid
MGR_PID=$RUN/ceph-mgr.$MGR_ID.pid
OSD_PID=$RUN/ceph-osd.$OSD_ID.pid
MON_LOG=$LOGS/ceph-mon.$MON_ID.log
MGR_LOG=$LOGS/ceph-mgr.$MGR_ID.log
OSD_LOG=$LOGS/ceph-osd.$OSD_ID.log

# ceph-authtool without its "creating ..." chatter.
authtool() { ceph-authtool "$@" >/dev/null; }

# Admin CLI that fails instead of retrying for 5 minutes when the mon does not answer.
ceph_admin() { ceph --connect-timeout 10 "$@"; }

# ---------------------------------------------------------------- state

conf_is_ours() { [ -f "$CONF" ] && head -n 1 "$CONF" | grep -qxF "$CONF_MARK"; }

# The whole cluster answers: daemons alive, and client.sovra (its key, its caps, pool and OSD) works.
cluster_ready() {
    conf_is_ours && pid_alive "$MON_PID" && pid_alive "$OSD_PID" && pid_alive "$MGR_PID" &&
        timeout 15 rbd --id "$CLIENT" ls "$POOL" >/dev/null 2>&1
}

why_not_ready() {
    conf_is_ours || { echo "$CONF not written by this script"; return; }
    local d dead=()
    for d in "mon.$MON_ID:$MON_PID" "osd.$OSD_ID:$OSD_PID" "mgr.$MGR_ID:$MGR_PID"; do
        pid_alive "${d#*:}" || dead+=("${d%%:*}")
    done
    if [ ${#dead[@]} -gt 0 ]; then echo "not running: ${dead[*]}"; else echo "client.$CLIENT cannot list pool $POOL"; fi
}

port_busy() { ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

# ---------------------------------------------------------------- bootstrap

write_conf() {
    local fsid=$1
    mkdir -p /etc/ceph
    cat > "$CONF.new" <<EOF
$CONF_MARK
# Single-node test cluster; see the script's header. Recreated (new fsid and keys) by each fresh 'up'.
[global]
fsid = $fsid
mon_host = [v2:$MON_V2,v1:$MON_V1]
public_network = 127.0.0.0/8
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
# All clients are Pacific or newer: no insecure global_id reclaim (and no health warning about it).
auth_allow_insecure_global_id_reclaim = false
# One OSD: pools of size 1, which Pacific only allows when told so; no warning for the missing replicas.
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_num = $POOL_PGS
osd_pool_default_pgp_num = $POOL_PGS
osd_crush_chooseleaf_type = 0
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
mon_allow_pool_delete = true
# Keep pg_num where it was set: the autoscaler would split PGs under the tests' feet.
osd_pool_default_pg_autoscale_mode = off
# Shared dev disks run at 60-80 % full; the mon's store is tiny, so warn late (default 30 % free) and
# stop the mon (default 5 % free) only when the disk is really full.
mon_data_avail_warn = 10
mon_data_avail_crit = 2

[mon]
pid_file = $RUN/\$cluster-\$name.pid
log_file = $LOGS/\$cluster-\$name.log
[mgr]
pid_file = $RUN/\$cluster-\$name.pid
log_file = $LOGS/\$cluster-\$name.log
[osd]
pid_file = $RUN/\$cluster-\$name.pid
log_file = $LOGS/\$cluster-\$name.log
# Objects in RAM, thin: only what is written is allocated, up to this many bytes.
osd_objectstore = memstore
memstore_device_bytes = $MEMSTORE_BYTES
EOF
    chmod 0644 "$CONF.new"   # QEMU runs as libvirt-qemu and reads it
    mv -f "$CONF.new" "$CONF"
}

# Every key is generated here and imported into the mon at mkfs, so no bootstrap keyrings and no
# `ceph auth` round trips are needed; only the OSD's key goes through `ceph osd new`.
make_keys() {
    local tmp=$1
    authtool --create-keyring "$tmp/mon.keyring" --gen-key -n mon. --cap mon 'allow *'
    authtool --create-keyring "$ADMIN_KEYRING" --gen-key -n client.admin \
        --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *'
    authtool --create-keyring "$MGR_DATA/keyring" --gen-key -n "mgr.$MGR_ID" \
        --cap mon 'allow profile mgr' --cap osd 'allow *' --cap mds 'allow *'
    authtool --create-keyring "$CLIENT_KEYRING" --gen-key -n "client.$CLIENT" \
        --cap mon 'profile rbd' --cap osd "profile rbd pool=$POOL" --cap mgr "profile rbd pool=$POOL"
    chmod 0600 "$ADMIN_KEYRING" "$CLIENT_KEYRING" "$MGR_DATA/keyring"
    local k
    for k in "$ADMIN_KEYRING" "$MGR_DATA/keyring" "$CLIENT_KEYRING"; do
        authtool "$tmp/mon.keyring" --import-keyring "$k"
    done
}

create_mon() {
    local fsid=$1 tmp=$2
    monmaptool --create --clobber --fsid "$fsid" --addv "$MON_ID" "[v2:$MON_V2,v1:$MON_V1]" "$tmp/monmap" >/dev/null
    ceph-mon --mkfs -i "$MON_ID" --monmap "$tmp/monmap" --keyring "$tmp/mon.keyring" >>"$MON_LOG" 2>&1 ||
        die "ceph-mon --mkfs failed; read $MON_LOG"
}

# start_daemon NAME PIDFILE LOG CMD... : CMD daemonizes and writes PIDFILE; early errors land in LOG.
# fd 9 (the lock) is closed for it: a daemon inheriting it would hold the lock for its whole life.
start_daemon() {
    local name=$1 pidfile=$2 logf=$3; shift 3
    "$@" >>"$logf" 2>&1 9>&- || die "$name failed to start; read $logf"
    wait_for 15 "$name pid file" pid_alive "$pidfile" || die "$name did not stay up; read $logf"
    log "$name: started (pid $(cat "$pidfile"))"
}

create_osd() {
    local uuid key
    uuid=$(cat /proc/sys/kernel/random/uuid)
    key=$(ceph-authtool --gen-print-key)
    local id
    id=$(printf '{"cephx_secret": "%s"}' "$key" | ceph_admin osd new "$uuid" -i -) ||
        die "'ceph osd new' failed: is mon.$MON_ID answering? read $MON_LOG"
    [ "$id" = "$OSD_ID" ] || die "the mon gave the new OSD id '$id', expected $OSD_ID"
    authtool --create-keyring "$OSD_DATA/keyring" -n "osd.$OSD_ID" --add-key "$key"
    chmod 0600 "$OSD_DATA/keyring"
    ceph-osd -i "$OSD_ID" --mkfs --osd-uuid "$uuid" >>"$OSD_LOG" 2>&1 || die "ceph-osd --mkfs failed; read $OSD_LOG"
}

osd_is_up() { ceph_admin osd stat -f json 2>/dev/null | grep -q '"num_up_osds": *1[,}]'; }
mgr_is_available() { ceph_admin mgr stat -f json 2>/dev/null | grep -q '"available": *true'; }

create_pool() {
    ceph_admin osd pool create "$POOL" "$POOL_PGS" "$POOL_PGS" >/dev/null 2>&1 ||
        die "cannot create pool $POOL; read $MON_LOG"
    # osd_pool_default_size gives size 1 already; make sure of it (Pacific wants the extra flag for size 1).
    if [ "$(ceph_admin osd pool get "$POOL" size -f json | grep -o '"size": *[0-9]*' | grep -o '[0-9]*$')" != 1 ]; then
        ceph_admin osd pool set "$POOL" size 1 --yes-i-really-mean-it >/dev/null
    fi
}

# Writes and deletes a probe image as client.sovra: proves key, caps, pool and OSD end to end.
probe_pool() {
    local img=sovra-setup-probe-$$-$RANDOM
    timeout "$TIMEOUT" rbd --id "$CLIENT" create --size 4M "$POOL/$img" &&
        timeout "$TIMEOUT" rbd --id "$CLIENT" rm --no-progress "$POOL/$img" >/dev/null 2>&1
}

bootstrap() {
    conf_is_ours || [ ! -e "$CONF" ] || die "$CONF was not written by this script; not touching it"
    local p
    for p in "${MON_V2##*:}" "${MON_V1##*:}"; do
        port_busy "$p" && die "port $p is in use by something else (another ceph-mon?); not starting"
    done
    mkdir -p "$MON_DATA" "$MGR_DATA" "$OSD_DATA" "$RUN" "$LOGS" "$DATA/tmp"
    rm -f "$MON_LOG" "$MGR_LOG" "$OSD_LOG" "$LOGS/ceph.log" "$LOGS/ceph.audit.log"
    local fsid tmp
    fsid=$(cat /proc/sys/kernel/random/uuid)
    tmp=$(mktemp -d "$DATA/tmp/sovra-setup.XXXXXX")
    write_conf "$fsid"
    make_keys "$tmp"
    create_mon "$fsid" "$tmp"
    rm -rf "$tmp"
    start_daemon "mon.$MON_ID" "$MON_PID" "$MON_LOG" ceph-mon -i "$MON_ID"
    start_daemon "mgr.$MGR_ID" "$MGR_PID" "$MGR_LOG" ceph-mgr -i "$MGR_ID"
    create_osd
    log "osd.$OSD_ID: created"
    start_daemon "osd.$OSD_ID" "$OSD_PID" "$OSD_LOG" ceph-osd -i "$OSD_ID"
    create_pool
    log "pool $POOL: created"
    wait_for "$TIMEOUT" "osd.$OSD_ID up" osd_is_up ||
        die "osd.$OSD_ID is not up after ${TIMEOUT}s; read $OSD_LOG"
    step "rbd pool init $POOL" timeout "$TIMEOUT" rbd pool init "$POOL" ||
        die "rbd pool init $POOL failed; read $OSD_LOG and $MON_LOG"
}

# ---------------------------------------------------------------- subcommands

summary() {
    echo "ceph up in $(fmt_ms "$(elapsed_ms)")s$1: mon=$MON_V2 pool=$POOL user=client.$CLIENT"
}

cmd_up() {
    require_root
    step "packages" install_packages "${PACKAGES[@]}"
    if conf_is_ours && pid_alive "$MON_PID" && pid_alive "$OSD_PID" && ! pid_alive "$MGR_PID"; then
        log "mgr.$MGR_ID is dead, restarting it (stateless)"
        start_daemon "mgr.$MGR_ID" "$MGR_PID" "$MGR_LOG" ceph-mgr -i "$MGR_ID"
    fi
    if cluster_ready; then
        log "already up (health: $(ceph_admin health 2>/dev/null || echo unknown))"
        summary " (already running)"
        return 0
    fi
    if [ -e "$CONF" ]; then
        conf_is_ours || die "$CONF was not written by this script; not touching it"
        if pid_alive "$MON_PID" && pid_alive "$OSD_PID" && pid_alive "$MGR_PID"; then
            die "daemons run but client.$CLIENT cannot list pool $POOL (read $OSD_LOG and $MON_LOG);" \
                "not deleting a running cluster: '$0 down' then '$0 up' recreates it"
        fi
        log "cluster not usable ($(why_not_ready)): recreating it"
        cmd_down
    fi
    log "creating a fresh cluster"
    bootstrap
    wait_for "$TIMEOUT" "client.$CLIENT creating an image in $POOL" probe_pool ||
        die "client.$CLIENT cannot use pool $POOL; read $OSD_LOG and $MON_LOG"
    wait_for "$TIMEOUT" "mgr.$MGR_ID available" mgr_is_available ||
        die "mgr.$MGR_ID is not available after ${TIMEOUT}s; read $MGR_LOG"
    log "health: $(ceph_admin health 2>/dev/null || echo unknown)"
    summary ""
}

proc_gone() { ! proc_running "$1"; }

# SIGKILL for the OSD: on a clean stop memstore writes its whole RAM store to disk, which we then delete.
kill_pidfile() {
    local f=$1 p
    if pid_alive "$f"; then
        p=$(cat "$f")
        kill -9 "$p" 2>/dev/null || true
        wait_for 10 "pid $p to exit" proc_gone "$p" || log "pid $p still there after SIGKILL"
    fi
    rm -f "$f"
}

cmd_down() {
    require_root
    if [ -e "$CONF" ] && ! conf_is_ours; then
        die "$CONF was not written by this script; not touching it"
    fi
    kill_pidfile "$OSD_PID"
    stop_pidfile "$MGR_PID" 10
    stop_pidfile "$MON_PID" 10
    rm -rf "$MON_DATA" "$MGR_DATA" "$OSD_DATA" "$DATA/tmp"/sovra-setup.*
    rm -f "$CONF" "$ADMIN_KEYRING" "$CLIENT_KEYRING" \
        "$RUN"/ceph-{mon.$MON_ID,mgr.$MGR_ID,osd.$OSD_ID}.asok
    log "ceph down (data, keys and ceph.conf removed; logs kept in $LOGS)"
}

cmd_status() {
    local up=1 d f
    for d in "mon.$MON_ID:$MON_PID" "mgr.$MGR_ID:$MGR_PID" "osd.$OSD_ID:$OSD_PID"; do
        f=${d#*:}
        if pid_alive "$f"; then
            echo "${d%%:*}: running (pid $(cat "$f"))"
        else
            echo "${d%%:*}: not running"
            up=0
        fi
    done
    if ! conf_is_ours || [ $up -eq 0 ]; then
        echo "ceph: down"
        return 3
    fi
    echo "health: $(ceph_admin health 2>&1 | head -n 1)"
    echo "osd: $(ceph_admin osd stat 2>&1 | head -n 1)"
    echo "pool: $POOL $(ceph_admin osd pool ls detail 2>/dev/null | grep -o "^pool [0-9]* '$POOL' .*" |
        grep -oE '(size|min_size|pg_num) [0-9]+' | tr '\n' ' ')images=$(rbd --id "$CLIENT" ls "$POOL" 2>/dev/null | wc -l)"
    echo "user: client.$CLIENT $(ceph_admin auth get "client.$CLIENT" 2>/dev/null | sed -n 's/^[[:space:]]*caps /caps /p' | paste -sd ' ')"
    echo "ceph: up (conf $CONF, keyring $CLIENT_KEYRING)"
}

# One up/down at a time; the lock is released when the script exits.
take_lock() {
    mkdir -p "$(dirname "$LOCK")"
    exec 9>"$LOCK"
    flock -w "$TIMEOUT" 9 || die "another ceph-setup.sh holds $LOCK for more than ${TIMEOUT}s"
}

main() {
    case "${1:-up}" in
        up) take_lock && cmd_up ;;
        down) take_lock && cmd_down ;;
        status) cmd_status ;;
        *)
            echo "usage: $0 [up|down|status]" >&2
            exit 2
            ;;
    esac
}

main "$@"
