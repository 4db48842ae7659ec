#!/bin/sh
# Several vCPUs (plinth.smptest=1): every CPU online, each one Linux can
# unplug taken offline and brought back, and the same job on every CPU
# at once, each pinned to its own, whose results must agree.  One line
# each, "plinth-smp: NAME: RESULT".
report() { echo "plinth-smp: $1: $2"; }

report online "$(cat /sys/devices/system/cpu/online)"
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	[ -e "$c/online" ] || continue
	id=${c##*/cpu}
	echo 0 > "$c/online" || report "cpu$id" "offline refused"
	off=$(cat /sys/devices/system/cpu/online)
	echo 1 > "$c/online" || report "cpu$id" "online refused"
	report "cpu$id" "offline leaves $off, online again $(cat /sys/devices/system/cpu/online)"
done
n=$(nproc)
i=0
while [ "$i" -lt "$n" ]; do
	taskset -c "$i" sh -c "dd if=/dev/zero bs=1M count=32 2>/dev/null | sha256sum > /tmp/job$i" &
	i=$((i + 1))
done
wait
sums=$(cut -d' ' -f1 /tmp/job* | sort -u)
report jobs "$n on $n CPUs, $(echo "$sums" | wc -l) distinct: $sums"
# NMIs: sysrq l asks every CPU for a backtrace by NMI (the asking CPU
# writes its own), and each one that took the NMI says so in the kernel's
# log.  The traces themselves stay out of the console.
lvl=$(cut -f1 /proc/sys/kernel/printk)
dmesg -n 1
echo l > /proc/sysrq-trigger
dmesg -n "$lvl"
report nmi "backtraces from cpus $(dmesg | grep -o 'NMI backtrace for cpu [0-9]*' | sed 's/.* //' | sort -un | tr '\n' ' ')"
grep -E 'CAL|RES|TLB' /proc/interrupts | while read -r name rest; do
	report "ipis ${name%:}" "$(echo "$rest" | tr -s ' ')"
done
