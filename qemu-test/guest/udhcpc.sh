#!/bin/sh
# udhcpc's event script: configure the interface from the lease.
case "$1" in
bound|renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}"
	[ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
	;;
deconfig)
	ifconfig "$interface" 0.0.0.0
	;;
esac
exit 0
