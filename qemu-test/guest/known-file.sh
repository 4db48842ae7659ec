#!/bin/sh
# The durability check, run by /init when the kernel command line has
# plinth.knownfile=SEED: a fresh ext2 file system on /dev/vda gets
# /plinth-known.bin (1 MiB made from SEED), written with fsync, then read
# back from a read-only remount.  The host looks for the same bytes in
# the disk image after the power-off.  It overwrites /dev/vda.
seed=${1:?usage: known-file.sh SEED}
dev=/dev/vda
say() { echo "plinth-known: $*"; }

yes "plinth known file $seed" | head -c 1048576 > /tmp/known
mkdir -p /mnt
if ! mke2fs -q $dev >/tmp/err 2>&1 || ! mount -t ext2 $dev /mnt 2>>/tmp/err; then
	say "FAIL mke2fs or mount: $(tr '\n' ' ' < /tmp/err)"
	exit 1
fi
if ! dd if=/tmp/known of=/mnt/plinth-known.bin bs=65536 conv=fsync 2>/tmp/err; then
	say "FAIL write: $(tr '\n' ' ' < /tmp/err)"
	umount /mnt
	exit 1
fi
umount /mnt
echo 3 > /proc/sys/vm/drop_caches
if mount -t ext2 -o ro $dev /mnt 2>/tmp/err && cmp -s /tmp/known /mnt/plinth-known.bin; then
	say "written with fsync and read back: $(sha256sum < /tmp/known | cut -c1-64)"
else
	say "FAIL read back: $(tr '\n' ' ' < /tmp/err)"
fi
umount /mnt 2>/dev/null
