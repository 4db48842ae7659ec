#!/bin/bash
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

# The drivers the guest needs; their dependencies are found from each
# module's own depends= field and loaded first.
# ext4 (which asks for crc32c at mount time) also mounts the ext2 file
# system the disk test makes.
WANT_MODULES="virtio_pci virtio_blk virtio_net ext4 crc32c_generic"
CACHE_FORMAT=5 # bump when what the cache holds changes

modinfo_depends() {
	objcopy -O binary --only-section=.modinfo "$1" /dev/stdout |
		tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
}

load_order=""
add_module() {
	local m=$1 f d
	case " $load_order " in *" $m "*) return 0 ;; esac
	f=$(find "$kdir" \( -name "$m.ko" -o -name "$m.ko.xz" \) | head -n 1)
	if [ -z "$f" ]; then
		echo "guest: module $m missing from $pkg" >&2
		exit 1
	fi
	case "$f" in
	*.ko.xz) xz -dc "$f" > "$out/modules/$m.ko" ;;
	*) cp "$f" "$out/modules/$m.ko" ;;
	esac
	for d in $(modinfo_depends "$out/modules/$m.ko"); do
		add_module "$d"
	done
	load_order="$load_order $m"
}

if [ ! -f "$out/vmlinuz" ] || [ "$(cat "$out/modules/.format" 2>/dev/null)" != "$CACHE_FORMAT" ]; then
	pkg=${GUEST_KERNEL_PKG:-}
	# A cache of an older format keeps its kernel version.
	if [ -z "$pkg" ] && [ -f "$out/VERSION" ]; then
		pkg=$(cut -d' ' -f1 "$out/VERSION")
	fi
	resolve() {
		apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-6\.1\.[0-9.-]*-amd64\)$/\1/p' | head -n 1
	}
	if [ -z "$pkg" ]; then
		pkg=$(resolve)
	fi
	if [ -z "$pkg" ]; then
		# Package lists missing or stale on this machine: refresh once.
		${SUDO:-$( [ "$(id -u)" = 0 ] || echo sudo)} apt-get update -q >&2
		pkg=$(resolve)
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
	# The same kernel uncompressed (the ELF vmlinux inside the bzImage's
	# XZ payload): under Bochs it saves a minute of decompression.
	python3 "$here/extract-vmlinux.py" "$out/vmlinuz" "$out/vmlinux"
	rm -rf "$out/modules" && mkdir -p "$out/modules"
	kdir="$out/dl/root/lib/modules/$kver"
	for m in $WANT_MODULES; do
		add_module "$m"
	done
	echo $load_order | tr ' ' '\n' > "$out/modules/order"
	echo "$CACHE_FORMAT" > "$out/modules/.format"
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
cp "$here/disk-test.sh" "$root/disk-test.sh"
cp "$here/net-test.sh" "$root/net-test.sh"
cp "$here/known-file.sh" "$root/known-file.sh"
cp "$here/stress.sh" "$root/stress.sh"
cp "$here/smp-test.sh" "$root/smp-test.sh"
cp "$here/udhcpc.sh" "$root/udhcpc.sh"
# The virtio-blk benchmark of make bench: static, so it needs no libc in
# the initramfs.
gcc -static -O2 -Wall -Wextra -o "$root/bin/blkbench" "$here/blkbench/blkbench.c"
# The mixed read/write verify workload with guard bytes (plinth.verify=N).
gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/blkverify" "$here/blkverify/blkverify.c"
# The hostile virtio driver (plinth.hostile=MODE): attacks on Plinth's
# devices from inside the guest, with Linux's virtio drivers not loaded.
gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/hostile" "$here"/hostile/*.c
# What several vCPUs give and cost (plinth.smpbench=1, make bench).
gcc -static -O2 -Wall -Wextra -Werror -pthread -o "$root/bin/smpbench" \
	"$here/smpbench/smpbench.c"
cp "$out/VERSION" "$root/VERSION"
chmod 755 "$root/init" "$root/check.sh" "$root/disk-test.sh" \
	"$root/net-test.sh" "$root/udhcpc.sh" "$root/known-file.sh" \
	"$root/stress.sh" "$root/smp-test.sh"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9n > "$out/initrd.img"
echo "guest: $(cat "$out/VERSION"): vmlinuz $(stat -c %s "$out/vmlinuz") bytes, initrd.img $(stat -c %s "$out/initrd.img") bytes"
