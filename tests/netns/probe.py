#!/usr/bin/env python3
"""Connects COUNT times to HOST PORT over tcp or udp and prints one line per attempt:
the answer ("<pod> <address the pod saw>"), "refused" (TCP RST or ICMP unreachable) or
"timeout". Used by the netns tests to see where packets land."""
import socket
import sys
import time

proto, host, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 2.0
family = socket.AF_INET6 if ":" in host else socket.AF_INET
for _ in range(count):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    s.settimeout(timeout)
    try:
        if proto == "tcp":
            s.connect((host, port))
            data = s.recv(256)
        else:
            s.connect((host, port))
            s.send(b"hi")
            data = s.recv(256)
        print(data.decode().strip())
    except (ConnectionRefusedError, ConnectionResetError):
        print("refused")
    except socket.timeout:
        print("timeout")
    except OSError as e:
        print("error " + e.strerror if e.strerror else "error")
    finally:
        s.close()
    sys.stdout.flush()
