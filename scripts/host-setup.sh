#!/bin/bash
# Sovra host setup for a fresh Debian 12 (bookworm) machine without systemd.
#
#   scripts/host-setup.sh         install packages, fix /dev/kvm, start virtlogd + libvirtd
#   scripts/host-setup.sh stop    stop libvirtd and virtlogd (by pidfile)
#
# Idempotent: a second run installs nothing, starts nothing and takes about a second.
# Runs as root. Package postinst scripts never start services here (policy-rc.d / no init),
# so the daemons are started by hand, daemonized, with their standard pidfiles.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SOVRA_LOG_TAG=host-setup
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

LIBVIRT_URI=qemu:///system
LIBVIRTD_PID=/var/run/libvirtd.pid
VIRTLOGD_PID=/var/run/virtlogd.pid

# Appliance + test packages: libvirt/QEMU (with the rbd block driver), Ceph clients, OVS with dnsmasq, ip/ethtool/iptables
# for the network data plane. The last group is what build-test-guest.sh uses (apt-get download, dpkg-deb, python3's
# lzma module for the uncompressed vmlinux, gzip), and curl, with which ./sovra and smoke-up.sh call the API.
PACKAGES=(
    libvirt-daemon-system libvirt-clients qemu-system-x86 qemu-utils qemu-block-extra librados2 librbd1 ceph-common
    openvswitch-switch dnsmasq-base ethtool iproute2 iptables procps iputils-ping busybox-static
    python3 gzip dpkg apt ca-certificates curl
)


# Without udev /dev/kvm is root:root 0600; libvirt then finds "KVM not available" on each start and
# re-probes QEMU every time (+4-5 s per domain start). Give it the mode udev would.
fix_kvm() {
    if [ ! -c /dev/kvm ]; then
        log "/dev/kvm: not present (TCG only)"
        return 0
    fi
    getent group kvm >/dev/null || groupadd --system kvm
    local cur
    cur=$(stat -c '%G %a' /dev/kvm)
    if [ "$cur" != "kvm 660" ]; then
        chgrp kvm /dev/kvm
        chmod 0660 /dev/kvm
        log "/dev/kvm: was '$cur', now 'kvm 660'"
    else
        log "/dev/kvm: ok (kvm 660)"
    fi
}

libvirt_up() {
    virsh -c "$LIBVIRT_URI" version >/dev/null 2>&1
}

start_daemons() {
    mkdir -p /var/run/libvirt /var/log/libvirt
    if pid_alive "$VIRTLOGD_PID"; then
        log "virtlogd: already running (pid $(cat "$VIRTLOGD_PID"))"
    else
        virtlogd -d --pid-file "$VIRTLOGD_PID"
        wait_for 10 "virtlogd pidfile" pid_alive "$VIRTLOGD_PID" || die "virtlogd did not start"
        log "virtlogd: started (pid $(cat "$VIRTLOGD_PID"))"
    fi
    if pid_alive "$LIBVIRTD_PID"; then
        log "libvirtd: already running (pid $(cat "$LIBVIRTD_PID"))"
    elif libvirt_up; then
        log "libvirtd: reachable at $LIBVIRT_URI without our pidfile; leaving it alone"
    else
        libvirtd -d --pid-file "$LIBVIRTD_PID"
        log "libvirtd: started (pid $(cat "$LIBVIRTD_PID" 2>/dev/null || echo '?'))"
    fi
    # First start probes QEMU's capabilities (8-13 s); later starts reuse the cache.
    wait_for 120 "virsh -c $LIBVIRT_URI version" libvirt_up || die "libvirtd is not answering on $LIBVIRT_URI"
    log "libvirt: $(virsh -c "$LIBVIRT_URI" version 2>/dev/null | awk -F': *' '/Running hypervisor/{print $2}' | xargs)"
}

stop_daemons() {
    step "stop libvirtd" stop_pidfile "$LIBVIRTD_PID" 20
    step "stop virtlogd" stop_pidfile "$VIRTLOGD_PID" 10
}

main() {
    require_root
    case "${1:-start}" in
        start | "")
            step "packages" install_packages "${PACKAGES[@]}"
            step "/dev/kvm" fix_kvm
            step "libvirt daemons" start_daemons
            log "host ready"
            ;;
        stop)
            stop_daemons
            ;;
        *)
            echo "usage: $0 [start|stop]" >&2
            exit 2
            ;;
    esac
}

main "$@"
