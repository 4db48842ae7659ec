#!/bin/sh
# Disk and network at once (plinth.stress=HOST:PORT), until the guest is
# reset or powered off from outside.  /dev/vda is written raw:
#   - sector 0 holds the boot count, so each boot writes its own region:
#     boot B owns [B * 16 MiB, B * 16 MiB + 12 MiB);
#   - record I of boot B (64 KiB at region + I * 64 KiB) is the line
#     "plinth stress boot B record I" repeated; once dd has written it with
#     fsync, "plinth-stress: boot B record I fsync'd" is printed, and the
#     host then expects exactly those bytes in the image afterwards;
#   - with the region full, the last 16 MiB of the disk (no boot's
#     region) are written with fsync and read, over and over.
# Meanwhile 64 KiB sends to HOST:PORT keep the NIC busy, each reported
# as "plinth-stress: boot B sent N", and the host's sink counts them.
peer=$1
host=${peer%:*}
port=${peer##*:}
dev=/dev/vda
say() { echo "plinth-stress: $*"; }

ifconfig eth0 up
udhcpc -i eth0 -s /udhcpc.sh -n -q -t 10 -T 3 >/tmp/udhcpc.log 2>&1 ||
	say "FAIL dhcp: $(tail -n 2 /tmp/udhcpc.log | tr '\n' ' ')"
boot=$(dd if=$dev bs=512 count=1 2>/dev/null | tr -dc '0-9' | head -c 4)
boot=$(( ${boot:-0} + 1 ))
printf 'plinth stress boot %04d\n' "$boot" |
	dd of=$dev bs=512 count=1 conv=sync,fsync 2>/dev/null
say "boot $boot: disk and network under way"

(
	n=0
	while :; do
		dd if=/dev/urandom bs=65536 count=1 2>/dev/null |
			nc "$host" "$port" >/dev/null 2>&1 && n=$((n + 1)) &&
			say "boot $boot sent $n"
	done
) &

base=$((boot * 256)) # in 64 KiB blocks: 16 MiB per boot
i=0
while [ $i -lt 192 ]; do
	# Through a file: dd's one read from a pipe may come up short.
	yes "plinth stress boot $boot record $i" | head -c 65536 >/tmp/rec
	dd if=/tmp/rec of=$dev bs=65536 seek=$((base + i)) count=1 \
		conv=fsync 2>/dev/null && say "boot $boot record $i fsync'd"
	i=$((i + 1))
done
say "boot $boot: region written; churning"
while :; do
	dd if=/dev/urandom of=$dev bs=65536 seek=768 count=64 conv=fsync \
		2>/dev/null
	dd if=$dev of=/dev/null bs=65536 skip=768 count=256 2>/dev/null
done
