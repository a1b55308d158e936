#!/bin/bash
# Builds Sovra's tiny test guest from Debian packages only (no other downloads):
#   OUT_DIR/vmlinux     uncompressed ELF kernel, direct-bootable via PVH (about 6 s to userspace under TCG,
#                       against about 15 s for the XZ-compressed bzImage, whose decompression is slow under TCG)
#   OUT_DIR/initrd.gz   busybox initramfs with the virtio modules and Sovra's /init
#
#   scripts/build-test-guest.sh [OUT_DIR]      (default /var/lib/sovra/test-guest)
#
# Cached: when both outputs exist and OUT_DIR/.stamp records the same kernel package version,
# busybox version and hash of this script, it does nothing and prints "cached".
#
# The guest's /init prints on the serial console (ttyS0), in this order:
#   SOVRA-GUEST-BOOT uptime=<s>
#   SOVRA-GUEST-DMI sys_vendor=..|product_name=..|product_version=..|board_vendor=..|board_name=..|chassis_vendor=..
#   SOVRA-GUEST-NET <addr/prefix>|none       (only when eth0 exists; kernel cmdline sovra.ip=ADDR/PREFIX, else DHCP)
#   SOVRA-GUEST-DISK <dev> sectors=<n> head=<first bytes, printable>   (one line per virtio disk)
#   SOVRA-GUEST-WROTE <dev> SOVRA-DATA <uuid>   (after a DISK line whose head was empty: the guest marked it)
#   SOVRA-GUEST-BENCH dev=<dev> mib=<n> seconds=<s> dd=<dd's output>   (only with kernel cmdline sovra.bench=<dev>)
#   SOVRA-GUEST-CTL <tty>                    (only with kernel cmdline sovra.ctl=<tty>, e.g. ttyS1: see below)
#   SOVRA-GUEST-READY
# and then idles forever.
# With kernel cmdline sovra.ping=ADDR[,ADDR...] the guest then pings each address but its own every second and prints
#   SOVRA-GUEST-PING <addr> ok|fail
# for each; while eth0 has no address yet it retries DHCP instead and prints SOVRA-GUEST-NET <addr/prefix> once it has one.
# With sovra.ctl=ttyS1 the guest also serves a command channel on that serial port (QEMU: a second
# isa-serial on a unix socket): each input line "ID COMMAND..." runs COMMAND with sh; the output follows,
# then "SOVRA-CTL-END ID rc=N". The channel first prints SOVRA-CTL-READY. It has no ACPI daemon, so it ignores ACPI power-button shutdown requests.
set -euo pipefail
umask 022

SCRIPT_PATH=$(readlink -f "${BASH_SOURCE[0]}")
SCRIPT_DIR=$(dirname "$SCRIPT_PATH")
SOVRA_LOG_TAG=test-guest
# shellcheck source=lib.sh
. "$SCRIPT_DIR/lib.sh"

OUT=$(readlink -m "${1:-/var/lib/sovra/test-guest}")
# What the guest's /init offers beyond the console report; recorded in OUT/.stamp for tests that need it.
FEATURES=ctl,ping
DEB_CACHE=${SOVRA_DEB_CACHE:-/var/cache/sovra/debs}
# Virtio modules in load order (Debian builds them as modules, uncompressed .ko: busybox insmod loads them).
MODULES="drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_pci_modern_dev
drivers/virtio/virtio_pci_legacy_dev drivers/virtio/virtio_pci net/core/failover drivers/net/net_failover
drivers/net/virtio_net drivers/block/virtio_blk"

resolve_packages() {
    KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    if [ -z "$KPKG" ]; then
        log "no package index for linux-image-amd64, running apt-get update"
        apt-get update -qq
        KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
    fi
    [ -n "$KPKG" ] || die "cannot resolve the current Debian kernel package (linux-image-amd64)"
    local pol
    pol=$(apt-cache policy "$KPKG" busybox-static 2>/dev/null)
    KVER=$(awk -v p="$KPKG:" '$1==p{f=1} f&&/Candidate:/{print $2; exit}' <<<"$pol")
    BBVER=$(awk '$1=="busybox-static:"{f=1} f&&/Candidate:/{print $2; exit}' <<<"$pol")
    [ -n "$KVER" ] && [ "$KVER" != "(none)" ] || die "no candidate version for $KPKG"
    [ -n "$BBVER" ] && [ "$BBVER" != "(none)" ] || die "no candidate version for busybox-static"
}

# fetch_deb PKG VERSION -> path of the .deb in DEB_CACHE (downloaded with apt-get download if absent)
fetch_deb() {
    local pkg=$1 ver=$2 f
    mkdir -p "$DEB_CACHE"
    f=$(find "$DEB_CACHE" -maxdepth 1 -name "${pkg}_*.deb" -print | while read -r d; do
        [ "$(dpkg-deb -f "$d" Version 2>/dev/null)" = "$ver" ] && echo "$d" && break; done)
    if [ -z "$f" ]; then
        find "$DEB_CACHE" -maxdepth 1 -name "${pkg}_*.deb" -delete
        (cd "$DEB_CACHE" && apt-get download -qq -o APT::Sandbox::User=root "${pkg}=${ver}") >&2
        f=$(find "$DEB_CACHE" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
        [ -n "$f" ] || die "apt-get download $pkg=$ver produced no file"
    fi
    echo "$f"
}

write_init() {
    cat > "$1" <<'EOI'
#!/bin/sh
# Sovra test guest /init (busybox). Reports facts on the serial console, then idles.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci \
         failover net_failover virtio_net virtio_blk; do
    insmod /lib/modules/$m.ko 2>/dev/null
done
echo "SOVRA-GUEST-BOOT uptime=$(cut -d' ' -f1 /proc/uptime)"

dmi() { [ -r /sys/class/dmi/id/$1 ] && tr -d '\n|' < /sys/class/dmi/id/$1; }
echo "SOVRA-GUEST-DMI sys_vendor=$(dmi sys_vendor)|product_name=$(dmi product_name)|product_version=$(dmi product_version)|board_vendor=$(dmi board_vendor)|board_name=$(dmi board_name)|chassis_vendor=$(dmi chassis_vendor)"

arg() { tr ' ' '\n' < /proc/cmdline | sed -n "s/^$1=//p" | tail -n 1; }
ip link set lo up
if [ -d /sys/class/net/eth0 ]; then
    ip link set eth0 up
    addr=$(arg sovra.ip)
    if [ -n "$addr" ]; then
        ip addr add "$addr" dev eth0
    else
        udhcpc -i eth0 -n -q -t 3 -T 1 -s /bin/udhcpc-script >/dev/null 2>&1
    fi
    got=$(ip -4 -o addr show dev eth0 | awk '{print $4; exit}')
    echo "SOVRA-GUEST-NET ${got:-none}"
fi
# Each disk's first bytes show whose data it holds; an empty disk gets this guest's mark, so a test can
# follow data from one guest to another (detach/attach, images, clones).
for d in /sys/block/vd*; do
    [ -e "$d" ] || continue
    dev=/dev/${d##*/}
    head=$(dd if="$dev" bs=64 count=1 2>/dev/null | tr -cd '[:alnum:] :._-')
    echo "SOVRA-GUEST-DISK ${d##*/} sectors=$(cat "$d/size") head=$head"
    if [ -z "$head" ]; then
        mark="SOVRA-DATA $(dmi product_uuid)"
        printf '%s' "$mark" | dd of="$dev" bs=64 count=1 conv=notrunc 2>/dev/null && sync
        echo "SOVRA-GUEST-WROTE ${d##*/} $mark"
    fi
done
# Write throughput for benchmarks: kernel cmdline sovra.bench=DEV [sovra.benchmb=MiB] writes zeros to
# /dev/DEV with O_DIRECT and an fsync, and reports the time it took (uptime, 10 ms resolution).
bench=$(arg sovra.bench)
if [ -n "$bench" ] && [ -b "/dev/$bench" ]; then
    mib=$(arg sovra.benchmb); mib=${mib:-256}; mkdir -p /tmp
    t0=$(cut -d' ' -f1 /proc/uptime)
    dd if=/dev/zero of="/dev/$bench" bs=1M count="$mib" oflag=direct conv=fsync 2>/tmp/dd.out
    t1=$(cut -d' ' -f1 /proc/uptime)
    echo "SOVRA-GUEST-BENCH dev=$bench mib=$mib seconds=$(awk "BEGIN{print $t1-$t0}") dd=$(tr '\n' ' ' </tmp/dd.out)"
fi
# Command channel for tests (kernel cmdline sovra.ctl=ttyS1): a second serial port on which the guest runs each
# line "ID COMMAND..." with sh and answers with the output and "SOVRA-CTL-END ID rc=N". Background jobs: end with &.
ctl=$(arg sovra.ctl)
if [ -n "$ctl" ] && [ -c "/dev/$ctl" ]; then
    stty -F "/dev/$ctl" raw -echo 2>/dev/null
    (
        exec < "/dev/$ctl" > "/dev/$ctl" 2>&1
        echo "SOVRA-CTL-READY"
        while IFS= read -r line; do
            id=${line%% *}
            sh -c "${line#* }" < /dev/null
            echo "SOVRA-CTL-END $id rc=$?"
        done
    ) &
    echo "SOVRA-GUEST-CTL $ctl"
fi
# Reachability for network tests (kernel cmdline sovra.ping=ADDR[,ADDR...]): one ping per target and second, so a test
# sees a security group or a data-plane change take effect; DHCP is retried until the data plane answers.
targets=$(arg sovra.ping | tr ',' ' ')
if [ -n "$targets" ] && [ -d /sys/class/net/eth0 ]; then
    (
        while true; do
            own=$(ip -4 -o addr show dev eth0 | awk '{print $4; exit}')
            if [ -z "$own" ]; then
                udhcpc -i eth0 -n -q -t 1 -T 1 -s /bin/udhcpc-script >/dev/null 2>&1
                own=$(ip -4 -o addr show dev eth0 | awk '{print $4; exit}')
                [ -n "$own" ] && echo "SOVRA-GUEST-NET $own"
            else
                for target in $targets; do
                    [ "$target" = "${own%/*}" ] && continue
                    if ping -c 1 -W 1 "$target" >/dev/null 2>&1; then
                        echo "SOVRA-GUEST-PING $target ok"
                    else
                        echo "SOVRA-GUEST-PING $target fail"
                    fi
                done
            fi
            sleep 1
        done
    ) &
fi
echo "SOVRA-GUEST-READY"
while true; do sleep 3600; done
EOI
    chmod 0755 "$1"
}

write_udhcpc_script() {
    cat > "$1" <<'EOS'
#!/bin/sh
# busybox udhcpc hook: apply the lease to the interface.
case "$1" in
    bound|renew)
        ip -4 addr flush dev "$interface"
        ip addr add "$ip/${mask:-24}" dev "$interface"
        [ -n "$mtu" ] && ip link set dev "$interface" mtu "$mtu"
        [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface"
        ;;
esac
exit 0
EOS
    chmod 0755 "$1"
}

WORK=""
cleanup() { [ -z "$WORK" ] || rm -rf "$WORK"; }
trap cleanup EXIT

build() {
    local work kdeb bbdeb kx rootfs m moddir
    WORK=$(mktemp -d /var/tmp/sovra-test-guest.XXXXXX)
    work=$WORK
    kx=$work/kx; rootfs=$work/rootfs
    mkdir -p "$kx" "$work/bb" "$rootfs"/{bin,dev,proc,sys,tmp,lib/modules}

    kdeb=$(step "download $KPKG=$KVER" fetch_deb "$KPKG" "$KVER")
    bbdeb=$(step "download busybox-static=$BBVER" fetch_deb busybox-static "$BBVER")

    local patterns=('./boot/vmlinuz-*')
    for m in $MODULES; do patterns+=("./lib/modules/*/kernel/$m.ko"); done
    step "extract kernel + modules" bash -c 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" --wildcards "${@:3}"' \
        _ "$kdeb" "$kx" "${patterns[@]}"
    step "extract busybox" dpkg-deb -x "$bbdeb" "$work/bb"

    # The bzImage carries the kernel as an XZ stream; QEMU boots the ELF inside it directly (PVH entry point).
    step "uncompress vmlinux" python3 - "$(echo "$kx"/boot/vmlinuz-*)" "$work/vmlinux" <<'EOP'
import lzma, sys
data = open(sys.argv[1], "rb").read()
start = data.find(b"\xfd7zXZ\x00")
if start < 0:
    sys.exit("no XZ stream in " + sys.argv[1])
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
if elf[:4] != b"\x7fELF":
    sys.exit("decompressed kernel is not an ELF file")
open(sys.argv[2], "wb").write(elf)
EOP

    cp "$work/bb/bin/busybox" "$rootfs/bin/busybox"
    ln -s busybox "$rootfs/bin/sh"   # the /init interpreter; the other applets are linked at boot
    moddir=$(echo "$kx"/lib/modules/*/kernel)
    for m in $MODULES; do cp "$moddir/$m.ko" "$rootfs/lib/modules/"; done
    write_init "$rootfs/init"
    write_udhcpc_script "$rootfs/bin/udhcpc-script"
    step "pack initramfs" bash -c 'cd "$1" && find . | "$1/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$2"' \
        _ "$rootfs" "$work/initrd.gz"

    # Publish atomically, world-readable, in directories libvirt-qemu can traverse.
    mkdir -p "$OUT"
    chmod 0644 "$work/vmlinux" "$work/initrd.gz"
    mv -f "$work/vmlinux" "$OUT/vmlinux.new" && mv -f "$OUT/vmlinux.new" "$OUT/vmlinux"
    mv -f "$work/initrd.gz" "$OUT/initrd.gz.new" && mv -f "$OUT/initrd.gz.new" "$OUT/initrd.gz"
}

make_traversable() {
    local d=$1
    while [ "$d" != "/" ]; do
        chmod o+x "$d"
        d=$(dirname "$d")
    done
}

main() {
    require_root
    case "$OUT" in
        "$(readlink -m "$SCRIPT_DIR/..")"/*) log "warning: writing into the source tree ($OUT)" ;;
    esac
    resolve_packages
    local stamp
    stamp="kernel=$KPKG=$KVER busybox-static=$BBVER script=$(sha256sum "$SCRIPT_PATH" | cut -c1-64) features=$FEATURES"
    if [ -f "$OUT/vmlinux" ] && [ -f "$OUT/initrd.gz" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$stamp" ]; then
        echo "cached: $OUT ($KPKG $KVER)"
        return 0
    fi
    log "building into $OUT ($KPKG $KVER, busybox-static $BBVER)"
    build
    make_traversable "$OUT"
    echo "$stamp" > "$OUT/.stamp"
    chmod 0644 "$OUT/.stamp"
    log "done: $(du -h "$OUT/vmlinux" | cut -f1) vmlinux, $(du -h "$OUT/initrd.gz" | cut -f1) initrd.gz"
    echo "built: $OUT"
}

main "$@"
