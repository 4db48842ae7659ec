"""System tests of the management plane (hv/manage/manage.c, net/mgmt.c): Plinth
under QEMU TCG with its e1000 on user networking and the management port
forwarded to the host.  The CPU is offered without AMD-V, so the guest
cannot run; with on_fault = halt Plinth keeps serving, which is what these
tests talk to.  (systests.py runs the API beside a running guest.)
"""

import concurrent.futures
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time

import bench
from mgmt_client import AUTH, TOKEN, free_port, raw, request
from sysutil import Failure, expect, no_faults, serial_so_far, FAIL_MARKS

# Debian's python3-prometheus-client, in Debian's own interpreter (the
# one running the tests may be another).
PROM_PARSE = ("import json, sys\n"
              "from prometheus_client.parser import "
              "text_string_to_metric_families as parse\n"
              "print(json.dumps({f.name: [[s.name, s.labels, s.value] for s "
              "in f.samples] for f in parse(sys.stdin.read())}))\n")


class Plinth:
    """Plinth under QEMU with the management plane on; runs in a thread
    until it powers off or the timeout ends it."""

    def __init__(self, ctx, cfg_extra="", nics=("e1000",), timeout=240,
                 mgmt="dhcp", token=TOKEN, guest_addr=""):
        self.ctx = ctx
        self.port = free_port()
        cfg = ("kernel = /guest/vmlinuz\nmgmt = %s\nmgmt_token = %s\n%s"
               % (mgmt, token, cfg_extra))
        img = ctx.image_with_config(cfg)
        self.res = None

        def run():
            self.res = bench.run_qemu(img, ctx.work, timeout=timeout,
                                      nics=nics, stop_on=FAIL_MARKS,
                                      hostfwd=((self.port, 8080,
                                                guest_addr),))
        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def serial(self):
        return serial_so_far(self.ctx.work)

    def wait_up(self, within=90):
        """Until /v1/status answers (the DHCP lease is there)."""
        end = time.monotonic() + within
        while time.monotonic() < end and self.thread.is_alive():
            try:
                st, _, body = request(self.port, "GET", "/v1/status", AUTH,
                                      timeout=5)
                if st == 200:
                    return json.loads(body)
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(1)
        raise Failure("the management API did not answer within %d s "
                      "(console: ...%s)" % (within, self.serial()[-600:]))

    def power_off(self):
        st, _, body = request(self.port, "POST", "/v1/guest/poweroff", AUTH)
        if st != 202:
            raise Failure("POST /v1/guest/poweroff: %d %r" % (st, body))
        self.thread.join(60)
        if self.thread.is_alive() or self.res is None:
            raise Failure("QEMU did not end after the power-off")
        expect(self.res.serial, "powering off: asked through the management "
               "plane", "power-off line")
        if self.res.status != 0:
            raise Failure("QEMU exit status %r" % self.res.status)


def check_status(s, serial):
    if s["guest"]["state"] != "failed" or \
            s["guest"]["reason"] != "the guest cannot run here":
        raise Failure("guest state %r" % s["guest"])
    m = re.search(r"\] Plinth (\S+ \(git [^)]*\))", serial)
    if not m or s["version"] != m.group(1):
        raise Failure("version %r, the console says %r" % (
            s["version"], m and m.group(1)))
    if s["mgmt"].get("address") != "10.0.2.15" or not s["mgmt"]["dhcp"] \
            or s["mgmt"]["prefix"] != 24 or s["mgmt"]["gateway"] != "10.0.2.2":
        raise Failure("management address %r" % s["mgmt"])
    if s["nic"]["model"] != "82540EM" or s["nic"]["link"] != "up":
        raise Failure("NIC %r" % s["nic"])
    if not s["uptime_seconds"] > 0 or s["guest"]["memory_bytes"] != 256 << 20:
        raise Failure("uptime or memory %r" % s)


def test_qemu_mgmt_api(ctx):
    """The API end to end: a DHCP lease, /v1/status by curl and checked
    with json, 401 for a missing or wrong token, /metrics read by
    python3-prometheus-client's parser, the log and console rings, a burst
    of 16 concurrent requests all answered, garbage, oversized and
    half-sent requests answered or dropped with /v1/status still
    answering, and a power-off through the API."""
    p = Plinth(ctx)
    p.wait_up()
    port = p.port
    r = subprocess.run(["curl", "-sS", "--max-time", "20", "-H",
                        "Authorization: Bearer " + TOKEN,
                        "http://127.0.0.1:%d/v1/status" % port],
                       capture_output=True, text=True)
    if r.returncode:
        raise Failure("curl failed: %s" % r.stderr)
    check_status(json.loads(r.stdout), p.serial())
    # Tokens.
    for headers in ({}, {"Authorization": "Bearer " + TOKEN[:-1] + "X"},
                    {"Authorization": "Bearer " + TOKEN + "X"},
                    {"Authorization": "Basic " + TOKEN}):
        for path in ("/v1/status", "/metrics", "/v1/log", "/v1/console"):
            st, h, _ = request(port, "GET", path, headers)
            if st != 401 or "Bearer" not in h.get("WWW-Authenticate", ""):
                raise Failure("GET %s with %r: %d, want 401" % (path,
                                                                headers, st))
    st, _, _ = request(port, "POST", "/v1/guest/reset", {})
    if st != 401:
        raise Failure("POST /v1/guest/reset without a token: %d" % st)
    # Metrics.
    st, h, body = request(port, "GET", "/metrics", AUTH)
    if st != 200 or not h["Content-Type"].startswith("text/plain; "
                                                     "version=0.0.4"):
        raise Failure("GET /metrics: %d %r" % (st, h))
    r = subprocess.run(["/usr/bin/python3", "-c", PROM_PARSE],
                       input=body.decode(), capture_output=True, text=True)
    if r.returncode:
        raise Failure("the Prometheus parser refused /metrics:\n%s"
                      % r.stderr[-1500:])
    fams = json.loads(r.stdout)
    for name in ("plinth_uptime_seconds", "plinth_nic_rx_frames",
                 "plinth_nic_tx_bytes", "plinth_guest_running",
                 "plinth_mgmt_http_responses", "plinth_vm_exits"):
        if name not in fams:
            raise Failure("/metrics has no %s (has %s)" % (name,
                                                          sorted(fams)))
    if fams["plinth_guest_running"][0][2] != 0:
        raise Failure("plinth_guest_running %r" % fams["plinth_guest_running"])
    if not fams["plinth_nic_rx_frames"][0][2] > 0:
        raise Failure("no frames received, says /metrics")
    # The log ring, from an offset.
    st, h, body = request(port, "GET", "/v1/log?offset=0", AUTH)
    if st != 200 or b"mgmt: HTTP on port 8080" not in body:
        raise Failure("GET /v1/log: %d, %r" % (st, body[-300:]))
    nxt = int(h["X-Next-Offset"])
    st, h, body = request(port, "GET", "/v1/log?offset=%d" % nxt, AUTH)
    if st != 200 or int(h["X-Offset"]) != nxt or len(body) > 200:
        raise Failure("GET /v1/log from the end: %d %r %r" % (st, h, body))
    st, _, _ = request(port, "GET", "/v1/log?offset=x", AUTH)
    if st != 400:
        raise Failure("GET /v1/log?offset=x: %d, want 400" % st)
    # The console: no guest ran, so nothing; input is taken.
    st, h, body = request(port, "GET", "/v1/console", AUTH)
    if st != 200 or body or h["X-Next-Offset"] != "0":
        raise Failure("GET /v1/console: %d %r %r" % (st, h, body))
    st, _, body = request(port, "POST", "/v1/console", AUTH, b"ls\n")
    if st != 200 or json.loads(body) != {"accepted": 3, "dropped": 0}:
        raise Failure("POST /v1/console: %d %r" % (st, body))
    # Unknown paths and wrong methods.
    if request(port, "GET", "/v2/nothing", AUTH)[0] != 404:
        raise Failure("an unknown path did not get 404")
    if request(port, "POST", "/v1/status", AUTH)[0] != 405:
        raise Failure("POST /v1/status did not get 405")
    if request(port, "GET", "/v1/guest/reset", AUTH)[0] != 405:
        raise Failure("GET /v1/guest/reset did not get 405")
    # A burst: 16 at once, twice the connections the server takes; the
    # rest wait in the SYN backlog and are served.
    with concurrent.futures.ThreadPoolExecutor(16) as ex:
        codes = list(ex.map(lambda _: request(port, "GET", "/v1/status",
                                              AUTH, timeout=60)[0],
                            range(16)))
    if codes != [200] * 16:
        raise Failure("a burst of 16 requests got %r" % codes)
    # Hostile requests: each is answered with an error or dropped.
    half = socket.create_connection(("127.0.0.1", port), timeout=30)
    half.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\nAuthor")
    cases = [
        (b"\x00\x01\x02garbage\r\n\r\n", b"HTTP/1.1 400 "),
        (b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n",
         b"HTTP/1.1 431 "),
        (b"POST /v1/console HTTP/1.1\r\nAuthorization: Bearer " +
         TOKEN.encode() + b"\r\nContent-Length: 100000\r\n\r\n",
         b"HTTP/1.1 413 "),
        (b"GET /v1/status HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
         b"HTTP/1.1 501 "),
        (b"GET /../../etc HTTP/1.1\r\n\r\n", b"HTTP/1.1 404 "),
        (b"GET / HTTP/9.9\r\n\r\n", b"HTTP/1.1 505 "),
        (b"GET / HTTP/1.1\r\n Folded: x\r\n\r\n", b"HTTP/1.1 400 "),
    ]
    for data, want in cases:
        got = raw(port, data)
        if not got.startswith(want):
            raise Failure("%r got %r, want %r" % (data[:40], got[:60], want))
    # A client that shuts its sending side with its request (as nc -N
    # does) still gets the whole answer.
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(b"GET /v1/log?offset=0 HTTP/1.1\r\nAuthorization: Bearer "
                  + TOKEN.encode() + b"\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        got = b""
        while True:
            more = s.recv(65536)
            if not more:
                break
            got += more
    head, _, body = got.partition(b"\r\n\r\n")
    m = re.search(rb"Content-Length: (\d+)", head)
    if not head.startswith(b"HTTP/1.1 200 ") or not m \
            or len(body) != int(m.group(1)):
        raise Failure("a half-closed client got %r... (%d body bytes)"
                      % (head[:60], len(body)))
    # HEAD gets no body, errors included.
    got = raw(port, b"HEAD /v1/status HTTP/1.1\r\n\r\n")
    if not got.startswith(b"HTTP/1.1 401 ") or not got.endswith(b"\r\n\r\n"):
        raise Failure("HEAD without a token got %r" % got[-80:])
    # While the half-sent request is open, the API answers; the server
    # closes it once it has been idle for 10 s.
    if request(port, "GET", "/v1/status", AUTH)[0] != 200:
        raise Failure("/v1/status did not answer beside a half-sent request")
    half.settimeout(30)
    t0 = time.monotonic()
    try:
        left = half.recv(100)
    except ConnectionResetError:
        left = b""
    waited = time.monotonic() - t0
    half.close()
    if left or waited > 25:
        raise Failure("the half-sent request got %r after %.0f s, want a "
                      "close within the idle time" % (left, waited))
    st, _, body = request(port, "GET", "/v1/status", AUTH)
    if st != 200:
        raise Failure("/v1/status after the hostile requests: %d" % st)
    s = json.loads(body)
    check_status(s, p.serial())
    no_faults(bench.Result(p.serial(), None, False, 0))
    p.power_off()


def test_qemu_mgmt_page_in_chromium(ctx):
    """GET / needs no token and no external asset; Debian's Chromium,
    headless, loads it with the token in the URL's fragment, and the page
    it renders shows Plinth's version and why the guest is not running."""
    p = Plinth(ctx)
    s = p.wait_up()
    st, h, body = request(p.port, "GET", "/", {})
    if st != 200 or not h["Content-Type"].startswith("text/html"):
        raise Failure("GET /: %d %r" % (st, h))
    if re.search(rb"(src|href)=\"(https?:)?//", body):
        raise Failure("the page refers to an external asset")
    profile = tempfile.mkdtemp(prefix="chromium-", dir=ctx.work)
    try:
        r = subprocess.run(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile,
             "--virtual-time-budget=8000", "--dump-dom",
             "http://127.0.0.1:%d/#token=%s" % (p.port, TOKEN)],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    dom = r.stdout
    with open(os.path.join(ctx.work, "dom.html"), "w") as f:
        f.write(dom)
    if r.returncode or "<table" not in dom:
        raise Failure("chromium failed (%d): %s" % (r.returncode,
                                                   r.stderr[-800:]))
    for text in (s["version"], "failed (the guest cannot run here)",
                 "82540EM at " + s["nic"]["pci"] + ", link up",
                 "10.0.2.15 (" + s["mgmt"]["mac"] + ")"):
        if text not in dom:
            raise Failure("the rendered page does not show %r (DOM in "
                          "%s/dom.html)" % (text, ctx.work))
    p.power_off()


def test_qemu_mgmt_short_token_stays_off(ctx):
    """A token shorter than 16 characters leaves the management plane off
    with the reason on the console; the boot goes on as without it."""
    img = ctx.image_with_config("kernel = /guest/vmlinuz\nmgmt = dhcp\n"
                                "mgmt_token = short\non_fault = poweroff\n")
    res = bench.run_qemu(img, ctx.work, timeout=60, nics=("e1000",),
                         stop_on=FAIL_MARKS)
    no_faults(res)
    expect(res.serial, "mgmt: off: mgmt_token must be set, at least 16 "
           "characters", "the reason")
    expect(res.serial, "powering off: the guest cannot run here",
           "on_fault as usual")
    if "management plane stays up" in res.serial:
        raise Failure("the management plane started with a short token")


def test_qemu_mgmt_static_address(ctx):
    """mgmt = static: the address, prefix and gateway given, no DHCP; the
    API answers there (user networking forwards the port to it)."""
    p = Plinth(ctx, mgmt="static 10.0.2.40/24 10.0.2.2", guest_addr="10.0.2.40")
    s = p.wait_up()
    if s["mgmt"] != {"mac": "52:54:00:12:34:56", "dhcp": False,
                     "address": "10.0.2.40", "prefix": 24,
                     "gateway": "10.0.2.2", "port": 8080}:
        raise Failure("management address %r" % s["mgmt"])
    expect(p.serial(), "net: address 10.0.2.40, netmask 255.255.255.0, "
           "gateway 10.0.2.2 (static)", "static address")
    p.power_off()


TESTS = [
    test_qemu_mgmt_api,
    test_qemu_mgmt_page_in_chromium,
    test_qemu_mgmt_short_token_stays_off,
    test_qemu_mgmt_static_address,
]
