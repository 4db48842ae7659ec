#!/bin/sh
# The virtio-blk exercise, run by /init when the kernel command line has
# plinth.disktest=1.  One line per check, "plinth-disk: NAME: ok" or
# "plinth-disk: NAME: FAIL why"; the last line says how many failed.
# It overwrites /dev/vda.
dev=/dev/vda
failed=0
report() { echo "plinth-disk: $1: $2"; }
fail() { report "$1" "FAIL $2"; failed=$((failed + 1)); }

[ -b $dev ] || { fail device "no $dev"; echo "plinth-disk: done: 1 failed"; exit 1; }
size=$(($(cat /sys/block/vda/size) * 512))
report size "$size bytes"

dropcache() { sync; echo 3 > /proc/sys/vm/drop_caches; }

# pattern NAME OFFSET LENGTH [direct]: random bytes written at a byte
# offset, read back from the device after dropping the page cache.
pattern() {
	name=$1 off=$2 len=$3
	dd if=/dev/urandom of=/tmp/w bs=$len count=1 iflag=fullblock 2>/dev/null
	if [ "${4:-}" = direct ]; then
		# One O_DIRECT write and read of the whole length: requests
		# as large as the driver makes them.
		dd if=/tmp/w of=$dev bs=$len seek=$((off / len)) oflag=direct \
			conv=notrunc 2>/dev/null || { fail "$name" "write"; return; }
		dd if=$dev of=/tmp/r bs=$len skip=$((off / len)) count=1 \
			iflag=direct 2>/dev/null || { fail "$name" "read"; return; }
	else
		dd if=/tmp/w of=$dev bs=4096 seek=$off oflag=seek_bytes \
			conv=notrunc,fsync 2>/dev/null || { fail "$name" "write"; return; }
		dropcache
		dd if=$dev of=/tmp/r bs=4096 skip=$off count=$len \
			iflag=skip_bytes,count_bytes 2>/dev/null || { fail "$name" "read"; return; }
	fi
	if cmp -s /tmp/w /tmp/r; then
		report "$name" "ok"
	else
		fail "$name" "read back differs ($(sha256sum < /tmp/r | cut -c1-16) vs $(sha256sum < /tmp/w | cut -c1-16))"
	fi
}

pattern sector-0 0 512 direct
pattern unaligned-small $((1048576 + 512 + 7)) 3001
pattern unaligned-across $((2097152 - 100)) 70001
pattern direct-256k 3145728 262144 direct
pattern direct-1m 4194304 1048576 direct
pattern unaligned-1m $((5242880 + 4096 + 3)) 1049999
# Last sector of the disk.
pattern last-sector $((size - 512)) 512 direct

# Discard: the RAM disk reads discarded sectors back as zeros.
if [ "$(cat /sys/block/vda/queue/discard_max_bytes)" -gt 0 ]; then
	if blkdiscard -o 8388608 -l 1048576 $dev 2>/tmp/err; then
		dropcache
		dd if=/dev/zero of=/tmp/z bs=1048576 count=1 2>/dev/null
		dd if=$dev of=/tmp/r bs=1048576 skip=8 count=1 2>/dev/null
		if cmp -s /tmp/z /tmp/r; then
			report discard ok
		else
			fail discard "discarded range does not read as zeros"
		fi
	else
		fail discard "blkdiscard: $(cat /tmp/err)"
	fi
else
	report discard "not supported by the device"
fi

# A filesystem: make it, fill it, unmount, mount again, compare.
if mke2fs -q $dev >/tmp/err 2>&1 && mkdir -p /mnt \
	&& mount -t ext2 $dev /mnt 2>>/tmp/err; then
	dd if=/dev/urandom of=/mnt/random bs=1000 count=300 2>/dev/null
	cp /bin/busybox /mnt/busybox
	mkdir /mnt/dir && echo "plinth" > /mnt/dir/small
	(cd /mnt && sha256sum random busybox dir/small) > /tmp/sums
	sync
	umount /mnt
	dropcache
	if mount -t ext2 -o ro $dev /mnt 2>/tmp/err \
		&& (cd /mnt && sha256sum -c /tmp/sums >/tmp/err 2>&1); then
		report filesystem ok
	else
		fail filesystem "after remount: $(cat /tmp/err | tr '\n' ' ')"
	fi
	umount /mnt 2>/dev/null
else
	fail filesystem "mke2fs or mount: $(cat /tmp/err | tr '\n' ' ')"
fi
echo "plinth-disk: done: $failed failed"
