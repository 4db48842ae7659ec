#!/bin/sh
# What the demo guest checks, one line each, "plinth-check: NAME: RESULT".
# Tests on the host read these lines from the serial console.
report() { echo "plinth-check: $1: $2"; }

report kernel "$(uname -r)"
# A guest can print anything; Plinth shows it as the guest's, its control
# characters harmless: a colour, a bell, and a line dressed as Plinth's.
printf 'plinth-check: console: \033[31mred\033[0m\a\n'
echo "[    0.000001] plinth: a line the guest forged"
report memory "$(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
report cpus "$(grep -c ^processor /proc/cpuinfo)"
report cpu-model "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
# The date comes from the RTC at boot; a year before 2020 means it did not.
# The clock Linux settled on (tsc is the one that needs no exits), and
# whether it calibrated the TSC against another timer to get there.
report clocksource "$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
# What makes Linux keep the TSC without its clocksource watchdog, whose
# checks a busy host can fail: a TSC that is invariant, with TSC_ADJUST.
report tsc "$(for f in constant_tsc nonstop_tsc tsc_adjust tsc_known_freq; do
	grep -qw "$f" /proc/cpuinfo && printf '%s ' "$f"; done)"
report paging "$(grep -qw la57 /proc/cpuinfo && echo 5-level || echo 4-level)"
report date "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
# A timer that works makes `sleep 1` last about one second of uptime.
t0=$(cut -d' ' -f1 /proc/uptime)
sleep 1
t1=$(cut -d' ' -f1 /proc/uptime)
report sleep "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }')"
n=0
for d in /sys/bus/virtio/devices/*; do
	[ -e "$d" ] || continue
	n=$((n + 1))
	report virtio "$(basename "$d") device $(cat "$d/device") features $(cat "$d/features")"
done
report virtio-devices "$n"
for b in /sys/block/vd*; do
	[ -e "$b" ] || continue
	report block "$(basename "$b") $(cat "$b/size") sectors"
done
for i in /sys/class/net/*; do
	[ "$(basename "$i")" = lo ] && continue
	[ -e "$i" ] || continue
	report net "$(basename "$i") $(cat "$i/address")"
done
