#!/bin/sh
# Builds the demo guest into OUTDIR: Debian's stock kernel (vmlinuz) and an
# initramfs of busybox-static, the virtio modules, /init and /check.sh.
#
# The kernel version is pinned by the cache: the first build resolves the
# package that linux-image-amd64 currently depends on (Debian's mirror keeps
# only the current one), records it in OUTDIR/VERSION, and later builds
# reuse it.  GUEST_KERNEL_PKG=linux-image-6.1.0-NN-amd64 picks one by name.
set -eu
out=${1:?usage: build.sh OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ ! -f "$out/vmlinuz" ] || [ ! -d "$out/modules" ]; then
	pkg=${GUEST_KERNEL_PKG:-}
	if [ -z "$pkg" ]; then
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -n 1)
	fi
	if [ -z "$pkg" ]; then
		echo "guest: cannot resolve the kernel package behind linux-image-amd64 (run apt-get update?)" >&2
		exit 1
	fi
	echo "guest: fetching $pkg"
	rm -rf "$out/dl" && mkdir -p "$out/dl"
	(cd "$out/dl" && apt-get download -q "$pkg")
	deb=$(ls "$out"/dl/*.deb)
	dpkg-deb -x "$deb" "$out/dl/root"
	kver=$(ls "$out/dl/root/lib/modules")
	cp "$out"/dl/root/boot/vmlinuz-"$kver" "$out/vmlinuz"
	rm -rf "$out/modules" && mkdir -p "$out/modules"
	# Load order: each module after the ones it needs.
	for m in virtio virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev \
		virtio_pci virtio_blk failover net_failover virtio_net; do
		f=$(find "$out/dl/root/lib/modules/$kver" -name "$m.ko*" | head -n 1)
		if [ -z "$f" ]; then
			echo "guest: module $m missing from $pkg" >&2
			exit 1
		fi
		case "$f" in
		*.ko.xz) xz -dc "$f" > "$out/modules/$m.ko" ;;
		*.ko) cp "$f" "$out/modules/$m.ko" ;;
		*) echo "guest: cannot unpack $f" >&2; exit 1 ;;
		esac
		echo "$m" >> "$out/modules/order"
	done
	printf '%s %s %s\n' "$pkg" "$(dpkg-deb -f "$deb" Version)" "$kver" > "$out/VERSION"
	rm -rf "$out/dl"
fi

# The initramfs is cheap: rebuild it every time so edits to init show up.
root="$out/initramfs"
rm -rf "$root"
mkdir -p "$root/bin" "$root/lib/modules" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp /bin/busybox "$root/bin/busybox"
cp "$out"/modules/*.ko "$out/modules/order" "$root/lib/modules/"
cp "$here/init" "$root/init"
cp "$here/check.sh" "$root/check.sh"
cp "$out/VERSION" "$root/VERSION"
chmod 755 "$root/init" "$root/check.sh"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n > "$out/initrd.img"
echo "guest: $(cat "$out/VERSION"): vmlinuz $(stat -c %s "$out/vmlinuz") bytes, initrd.img $(stat -c %s "$out/initrd.img") bytes"
