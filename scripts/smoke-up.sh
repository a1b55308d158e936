#!/bin/bash
# Smoke test of `./sovra up` with tenant networking: runs the README's "Run a guest" flow, as written there,
# against an appliance of its own and checks what the README promises.
#
#   scripts/smoke-up.sh      (root; the jars must be built: ./sovra build, or mvn package and a build stamp)
#
# It checks: the host pings the guest's public IP; TCP 22 is let in by the security group (refused by the guest) and
# TCP 23 is not (times out); the guest behind the internet gateway pings the host's uplink address; a second
# `./sovra up` changes nothing; `./sovra down` takes the tenant network away and the next `./sovra up` brings it back
# with its state. It then deletes everything through the API, stops the appliance and removes its bridges.
#
# Everything it makes is its own, so it can run next to a `./sovra up` or the system tests on the same host: home
# SMOKE_HOME (default /var/lib/sovra-smoke, emptied first), API port 8280, bridges br-smk and smk-ex, namespaces smk-*,
# public pool 100.64.81.0/24. SMOKE_KEEP=1 leaves the appliance running at the end.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SOVRA_LOG_TAG=smoke-up
# shellcheck source=lib.sh
. "$ROOT/scripts/lib.sh"
require_root

export SOVRA_HOME=${SMOKE_HOME:-/var/lib/sovra-smoke}
export SOVRA_API_PORT=${SMOKE_API_PORT:-8280} SOVRA_AGENT_PORT=${SMOKE_AGENT_PORT:-9643} SOVRA_ENROL_PORT=${SMOKE_ENROL_PORT:-9644}
export SOVRA_INT_BRIDGE=br-smk SOVRA_UPLINK_BRIDGE=smk-ex SOVRA_NET_PREFIX=smk
export SOVRA_PUBLIC_POOL=${SMOKE_PUBLIC_POOL:-100.64.81.0/24}
GATEWAY=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_network(sys.argv[1]).network_address + 1)' "$SOVRA_PUBLIC_POOL")
export SOVRA_GUEST_ARGS="sovra.ping=$GATEWAY" # the guest pings the host's uplink address every second
API=http://127.0.0.1:$SOVRA_API_PORT/providers
WS=tenants/demo/workspaces/default
FAILED=0

check() { # description command...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then log "ok: $what"; else log "FAIL: $what"; FAILED=1; fi
}

pings() { ping -c 1 -W 1 "$1"; }
tcp_refused() { local out; out=$(timeout 5 bash -c "echo >/dev/tcp/$1/$2" 2>&1) || true; grep -q 'Connection refused' <<<"$out"; }
tcp_silent() { local rc=0; timeout 5 bash -c "echo >/dev/tcp/$1/$2" 2>/dev/null || rc=$?; [ "$rc" = 124 ]; }
guest_pinged_host() { # a fresh "ok" line on the guest's console since this function was last called
  local count; count=$(cat "$SOVRA_HOME"/agent/instances/*/console.log 2>/dev/null | grep -c "SOVRA-GUEST-PING $GATEWAY ok" || true)
  [ "$count" -gt "${LAST_GUEST_PINGS:-0}" ] && LAST_GUEST_PINGS=$count
}

api() { curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $(cd "$ROOT" && ./sovra token)" "$@"; }
delete_and_wait() { # path under $API
  api -X DELETE "$API/$1" >/dev/null
  wait_for 60 "$1 deleted" sh -c "[ \"\$(curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer $(cd "$ROOT" && ./sovra token)' '$API/$1')\" = 404 ]" \
    || { log "FAIL: $1 not deleted"; FAILED=1; }
}

teardown() {
  log "deleting the guest and its network through the API"
  delete_and_wait "seca.compute/v1/$WS/instances/vm1"
  for path in nics/nic1 public-ips/pip1 networks/net1/subnets/sn1 networks/net1/route-tables/rt1 internet-gateways/igw1 \
      security-groups/ping-ssh networks/net1; do
    delete_and_wait "seca.network/v1/$WS/$path"
  done
  delete_and_wait "seca.storage/v1/$WS/block-storages/boot1"
  wait_for 30 "router and DHCP namespaces gone" sh -c "! ip netns list | grep -q '^smk-'" \
    || { log "FAIL: namespaces left: $(ip netns list | grep '^smk-' | tr '\n' ' ')"; FAILED=1; }
  ovs-vsctl --db="unix:$SOVRA_HOME/ovs/db.sock" --timeout=10 --if-exists del-br br-smk
  (cd "$ROOT" && ./sovra down)
  ip link del smk-ex 2>/dev/null || true
}

if pid_alive "$SOVRA_HOME/run/controller.pid" || pid_alive "$SOVRA_HOME/ovs/ovs-vswitchd.pid"; then
  die "an appliance runs in $SOVRA_HOME already; stop it (SOVRA_HOME=$SOVRA_HOME ./sovra down) first"
fi
rm -rf "$SOVRA_HOME"
mkdir -p -m 755 "$SOVRA_HOME" # QEMU (libvirt-qemu) traverses into the agent's instance folders

step "./sovra up" bash -c "cd '$ROOT' && ./sovra up >/dev/null"
finish() {
  local rc=$?
  [ "${SMOKE_KEEP:-0}" = 1 ] || teardown
  if [ "$rc" = 0 ] && [ "$FAILED" = 0 ]; then log "smoke test passed"; exit 0; fi
  log "smoke test FAILED (logs: $SOVRA_HOME/log)"
  exit 1
}
trap finish EXIT

# The README's block, as written, with this appliance's API port and without its last line (an endless ping).
flow=$(awk '/^Run a guest once it is up/{f=1} f&&/^```bash/{b=1; next} b&&/^```/{exit} b' "$ROOT/README.md" \
  | sed "s#http://127.0.0.1:8080#http://127.0.0.1:$SOVRA_API_PORT#; /^ping /d")
grep -q primaryNicRef <<<"$flow" || die "README.md has no guest flow with a NIC"
PIP=$(cd "$ROOT" && bash -euo pipefail -c "$flow"$'\necho "$PIP"' | tail -n 1)
log "public IP $PIP"
[[ $PIP =~ ^[0-9.]+$ ]] || die "the README flow gave no public IP"

t=$(date +%s%N)
wait_for 180 "ping $PIP" pings "$PIP" && log "guest answers on its public IP $(fmt_ms "$(elapsed_ms "$t")") s after the start"
check "host pings the public IP $PIP" pings "$PIP"
check "TCP 22 is let in (refused by the guest)" tcp_refused "$PIP" 22
check "TCP 23 is dropped by the security group" tcp_silent "$PIP" 23
check "guest behind the internet gateway pings the host ($GATEWAY)" wait_for 30 "guest ping" guest_pinged_host

step "./sovra up again" bash -c "cd '$ROOT' && ./sovra up >/dev/null"
check "still answers after a second up" pings "$PIP"

step "./sovra down" bash -c "cd '$ROOT' && ./sovra down"
check "no answer while the appliance is down" bash -c "! ping -c 2 -W 1 $PIP"
t=$(date +%s%N)
step "./sovra up after down" bash -c "cd '$ROOT' && ./sovra up >/dev/null"
check "answers again after down and up" wait_for 120 "ping $PIP" pings "$PIP"
log "public IP answers again $(fmt_ms "$(elapsed_ms "$t")") s after up was started"
check "guest reaches the host again" wait_for 30 "guest ping" guest_pinged_host
[ "$FAILED" = 0 ]
