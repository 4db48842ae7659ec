#!/bin/bash
# Builds the Debian system guest into OUTDIR: a Debian 12 root file system
# (debootstrap: systemd, udev, systemd-networkd with DHCP, openssh-server,
# fio, iperf3, e2fsprogs) as an ext4 image for /dev/vda, and Debian's own
# kernels with their own initramfs-tools initrds:
#   OUTDIR/rootfs.img          ext4, label "plinth-root"
#   OUTDIR/vmlinuz-6.1, initrd.img-6.1     from linux-image-amd64
#   OUTDIR/vmlinuz-6.12, initrd.img-6.12   from linux-image-6.12-amd64
#   OUTDIR/ssh/id_ed25519      the key root's authorized_keys holds
#   OUTDIR/VERSION             every package and version, one per line
#
# Everything comes from the package mirror the build machine uses (the
# versions are whatever it serves that day, recorded in VERSION); nothing
# of it is committed.  debootstrap and chroot need root: the script uses
# sudo when it is not root.  The result is cached: OUTDIR/.built records
# a digest of this script and the files it installs, and a later run with
# the same digest does nothing.
set -eu
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
SUDO=${SUDO-$( [ "$(id -u)" = 0 ] || echo sudo)}
ROOT_MIB=${DISTRO_ROOT_MIB:-3072}
inputs=$(cat "$0" "$here/plinth-workload" "$here/20-ethernet.network" |
	sha256sum | cut -c1-16)

if [ -f "$out/.built" ] && [ "$(cat "$out/.built")" = "$inputs" ]; then
	exit 0
fi

# The mirror: the first Debian URI the build machine's own apt uses.
mirror=${DISTRO_MIRROR:-}
if [ -z "$mirror" ]; then
	mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		sed -n 's,^URIs: *\(https\?://[^ ]*/debian\)/*$,\1,p; s,^deb \[\?[^]]*\]\? *\(https\?://[^ ]*/debian\)/* bookworm .*,\1,p' |
		head -n 1)
fi
mirror=${mirror:-http://deb.debian.org/debian}
security=${DISTRO_SECURITY_MIRROR:-${mirror%/debian}/debian-security}

rootfs="$out/root"
cleanup() {
	for m in dev/pts dev proc sys; do
		if mountpoint -q "$rootfs/$m" 2>/dev/null; then
			$SUDO umount -l "$rootfs/$m" || true
		fi
	done
}
trap cleanup EXIT
cleanup
$SUDO rm -rf "$rootfs" "$out/.built"
mkdir -p "$out"

echo "distro: debootstrap bookworm from $mirror (a few minutes)"
# The rootfs for a person as much as for the tests: systemd as init, udev,
# networkd (in the systemd package) for DHCP, ssh, and the workload tools.
PKGS=systemd,systemd-sysv,udev,dbus,kmod,initramfs-tools,openssh-server,fio,iperf3,e2fsprogs,iproute2,procps,less,ca-certificates
$SUDO debootstrap --variant=minbase --include="$PKGS" bookworm "$rootfs" "$mirror" \
	> "$out/debootstrap.log" 2>&1 || {
	tail -30 "$out/debootstrap.log"
	echo "distro: debootstrap failed (log: $out/debootstrap.log)" >&2
	exit 1
}

in_root() { $SUDO chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
$SUDO mount -t proc proc "$rootfs/proc"
$SUDO mount -t sysfs sys "$rootfs/sys"
$SUDO mount --bind /dev "$rootfs/dev"
$SUDO mount --bind /dev/pts "$rootfs/dev/pts"

# Both kernels: 6.1 is the release's own, 6.12 comes through security.
$SUDO tee "$rootfs/etc/apt/sources.list" > /dev/null <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb $security bookworm-security main
EOF
# Daemons must not start inside the chroot.
printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$rootfs/usr/sbin/policy-rc.d" > /dev/null
$SUDO chmod 755 "$rootfs/usr/sbin/policy-rc.d"
echo "distro: installing the kernels"
in_root apt-get update -q > "$out/apt.log" 2>&1 || { tail -20 "$out/apt.log"; exit 1; }
in_root apt-get install -y -q --no-install-recommends \
	linux-image-amd64 linux-image-6.12-amd64 >> "$out/apt.log" 2>&1 || {
	tail -30 "$out/apt.log"
	echo "distro: kernel install failed (log: $out/apt.log)" >&2
	exit 1
}
in_root apt-get clean
$SUDO rm -f "$rootfs/usr/sbin/policy-rc.d"

# The system itself: a root on /dev/vda, DHCP on every Ethernet port,
# root reachable by the build's ssh key and by a plain password on the
# console (a test appliance, not a server on an open network), and the
# timers that would otherwise start downloads or scrubs in the middle of
# a benchmark turned off.
echo plinth-debian | $SUDO tee "$rootfs/etc/hostname" > /dev/null
printf '127.0.0.1\tlocalhost\n127.0.1.1\tplinth-debian\n' | $SUDO tee "$rootfs/etc/hosts" > /dev/null
printf 'LABEL=plinth-root / ext4 defaults,errors=remount-ro 0 1\n' | $SUDO tee "$rootfs/etc/fstab" > /dev/null
$SUDO install -m 644 "$here/20-ethernet.network" "$rootfs/etc/systemd/network/20-ethernet.network"
in_root systemctl enable systemd-networkd.service ssh.service > /dev/null 2>&1
in_root systemctl disable apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
	fstrim.timer > /dev/null 2>&1 || true
echo 'root:plinth' | in_root chpasswd
# The first boot does what a fresh install's does (a new machine-id).
$SUDO truncate -s 0 "$rootfs/etc/machine-id"
$SUDO rm -f "$rootfs/var/lib/dbus/machine-id"
mkdir -p "$out/ssh"
rm -f "$out/ssh/id_ed25519" "$out/ssh/id_ed25519.pub"
ssh-keygen -q -t ed25519 -N '' -C plinth-tests -f "$out/ssh/id_ed25519"
$SUDO install -d -m 700 "$rootfs/root/.ssh"
$SUDO install -m 600 "$out/ssh/id_ed25519.pub" "$rootfs/root/.ssh/authorized_keys"
# The workload scripts the tests and benchmarks run over ssh.
$SUDO install -m 755 "$here/plinth-workload" "$rootfs/usr/local/bin/plinth-workload"

# The kernels and initrds, named by series.
for k in "$rootfs"/boot/vmlinuz-*; do
	v=${k##*/vmlinuz-}
	case "$v" in
	6.1.*) s=6.1 ;;
	6.12.*) s=6.12 ;;
	*) continue ;;
	esac
	$SUDO cat "$k" > "$out/vmlinuz-$s"
	$SUDO cat "$rootfs/boot/initrd.img-$v" > "$out/initrd.img-$s"
	echo "$v" > "$out/kernel-$s"
done
for s in 6.1 6.12; do
	[ -s "$out/vmlinuz-$s" ] && [ -s "$out/initrd.img-$s" ] || {
		echo "distro: no $s kernel or initrd in the rootfs" >&2
		exit 1
	}
done
in_root dpkg-query -W -f='${Package} ${Version}\n' > "$out/VERSION"
cleanup

echo "distro: making the ext4 image ($ROOT_MIB MiB)"
rm -f "$out/rootfs.img"
$SUDO mkfs.ext4 -q -F -L plinth-root -d "$rootfs" "$out/rootfs.img" "${ROOT_MIB}M"
$SUDO chown "$(id -u):$(id -g)" "$out/rootfs.img"
$SUDO rm -rf "$rootfs"
echo "$inputs" > "$out/.built"
echo "distro: Debian $(sed -n 's/^base-files //p' "$out/VERSION"), kernels $(cat "$out/kernel-6.1") and $(cat "$out/kernel-6.12"), $(du -m "$out/rootfs.img" | cut -f1) MiB in use of the image"
