#!/usr/bin/env python3
"""tests/lib/netutil.py - small network helpers for the shell tests.

    netutil.py burst DST PORT N TEXT   N UDP datagrams "TEXT 0", "TEXT 1", ... to DST:PORT
    netutil.py free-port ADDR          a TCP port free on ADDR now (the kernel's choice)
    netutil.py prom-value              the first value of a Prometheus HTTP API query
                                       answer read from standard input, or "none"

Exit 0, or 2 on usage."""
import json
import socket
import sys


def burst(dst, port, n, text):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(b"%s %d" % (text.encode(), i), (dst, port))


def free_port(addr):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.bind((addr, 0))
    print(s.getsockname()[1])


def prom_value():
    try:
        r = json.load(sys.stdin)["data"]["result"]
    except (ValueError, KeyError, TypeError):
        r = None
    print(r[0]["value"][1] if r else "none")


def main(a):
    if a[:1] == ["burst"] and len(a) == 5:
        burst(a[1], int(a[2]), int(a[3]), a[4])
    elif a[:1] == ["free-port"] and len(a) == 2:
        free_port(a[1])
    elif a == ["prom-value"]:
        prom_value()
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
