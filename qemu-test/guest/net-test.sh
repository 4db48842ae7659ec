#!/bin/sh
# The guest's network exercise (plinth.nettest=HOST:PORT): a DHCP lease on
# eth0, then one TCP exchange with the test's server at HOST:PORT: the
# guest sends "PLINTH <length>\n" and that many random bytes, the server
# answers "OK <sha256 of what it got>\n" and data of its own, and closes.
# Lines read "plinth-net: NAME: RESULT"; the test on the host checks both
# ends.
peer=$1
host=${peer%:*}
port=${peer##*:}
failed=0
report() { echo "plinth-net: $1: $2"; }
bad() { report "$1" "FAILED ($2)"; failed=$((failed + 1)); }

ifconfig eth0 up
if udhcpc -i eth0 -s /udhcpc.sh -n -q -t 10 -T 3 >/tmp/udhcpc.log 2>&1; then
	report address "$(ifconfig eth0 | sed -n 's/.*inet addr:\([0-9.]*\).*/\1/p')"
else
	bad dhcp "$(tail -n 3 /tmp/udhcpc.log | tr '\n' ' ')"
fi
up=262144
dd if=/dev/urandom of=/tmp/up bs=1024 count=$((up / 1024)) 2>/dev/null
report sent "$up bytes, sha256 $(sha256sum /tmp/up | cut -d' ' -f1)"
t0=$(cut -d' ' -f1 /proc/uptime)
{ echo "PLINTH $up"; cat /tmp/up; } | nc "$host" "$port" > /tmp/down
t1=$(cut -d' ' -f1 /proc/uptime)
reply=$(head -n 1 /tmp/down)
report server "$reply"
hl=$(( ${#reply} + 1 ))
tail -c +$((hl + 1)) /tmp/down > /tmp/data
report received "$(wc -c < /tmp/data) bytes, sha256 $(sha256sum /tmp/data | cut -d' ' -f1)"
report time "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f s", b - a }')"
report done "$failed failed"
