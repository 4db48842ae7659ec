"""Reading the pcap files QEMU's filter-dump writes: Ethernet frames, with
just enough IPv4, UDP, DHCP, ICMP and TCP decoding for the tests to say
what crossed the wire."""

import struct

DHCP_TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE",
              5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


def frames(path):
    """Every frame in a classic pcap file (LINKTYPE_ETHERNET)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: no pcap header" % path)
    magic = struct.unpack("<I", data[:4])[0]
    order = "<" if magic == 0xa1b2c3d4 else ">"
    if struct.unpack(order + "I", data[:4])[0] != 0xa1b2c3d4:
        raise ValueError("%s: not a pcap file" % path)
    if struct.unpack(order + "I", data[20:24])[0] != 1:
        raise ValueError("%s: not Ethernet" % path)
    off, out = 24, []
    while off + 16 <= len(data):
        incl = struct.unpack(order + "I", data[off + 8:off + 12])[0]
        out.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def mac(b):
    return ":".join("%02x" % x for x in b)


def ip(b):
    return ".".join(str(x) for x in b)


def decode(frame):
    """A dict describing the frame: src, dst, and for IPv4 ip_src, ip_dst,
    proto; for UDP sport, dport and, on ports 67/68, dhcp (the message
    type), yiaddr and chaddr; for ICMP icmp (type); for TCP sport, dport, flags and
    payload."""
    d = {"src": mac(frame[6:12]), "dst": mac(frame[0:6]), "len": len(frame)}
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return d
    ihl = (frame[14] & 15) * 4
    d.update(ip_src=ip(frame[26:30]), ip_dst=ip(frame[30:34]),
             proto=frame[23])
    l4 = frame[14 + ihl:]
    if d["proto"] == 17 and len(l4) >= 8:
        d["sport"], d["dport"] = struct.unpack(">HH", l4[:4])
        bootp = l4[8:]
        if {d["sport"], d["dport"]} == {67, 68} and len(bootp) >= 240:
            d["yiaddr"] = ip(bootp[16:20])
            d["chaddr"] = mac(bootp[28:34])
            opts, i = bootp[240:], 0
            while i < len(opts) and opts[i] != 255:
                if opts[i] == 0:
                    i += 1
                    continue
                if i + 1 >= len(opts):
                    break
                if opts[i] == 53 and opts[i + 1] >= 1:
                    d["dhcp"] = DHCP_TYPES.get(opts[i + 2], opts[i + 2])
                i += 2 + opts[i + 1]
    elif d["proto"] == 1 and len(l4) >= 8:
        d["icmp"] = l4[0]
        d["icmp_id"], d["icmp_seq"] = struct.unpack(">HH", l4[4:8])
    elif d["proto"] == 6 and len(l4) >= 20:
        d["sport"], d["dport"] = struct.unpack(">HH", l4[:4])
        d["flags"] = l4[13]
        d["payload"] = l4[(l4[12] >> 4) * 4:]
    return d
