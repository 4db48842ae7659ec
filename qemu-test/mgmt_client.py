"""The host's end of Plinth's management API in the system tests: the
token the tests configure, a free local port to forward it to, and
requests over HTTP or as raw bytes.
"""

import http.client
import socket
import time

TOKEN = "plinth-test-token-0123456789"
AUTH = {"Authorization": "Bearer " + TOKEN}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, headers=None, body=None, timeout=20):
    """(status, headers, body bytes) of one request."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def raw(port, data, timeout=20, linger=0):
    """Sends bytes on a fresh connection, waits `linger` seconds, and
    returns what came back before the server closed (b"" if nothing)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        time.sleep(linger)
        out = b""
        try:
            while True:
                more = s.recv(65536)
                if not more:
                    break
                out += more
        except (ConnectionResetError, socket.timeout):
            pass
        return out
