#!/usr/bin/env python3
"""A pod's workload for the netns tests: on TCP and UDP port PORT (IPv4 and IPv6) it
answers every connection or datagram with "<pod name> <client address>", so a test sees
which endpoint it reached and which source address the endpoint saw."""
import socket
import sys
import threading

name, port = sys.argv[1], int(sys.argv[2])


def tcp(family, host):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, port))
    s.listen(128)
    while True:
        conn, peer = s.accept()
        try:
            conn.sendall(f"{name} {peer[0]}\n".encode())
        finally:
            conn.close()


def udp(family, host):
    s = socket.socket(family, socket.SOCK_DGRAM)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((host, port))
    while True:
        _, peer = s.recvfrom(2048)
        s.sendto(f"{name} {peer[0]}\n".encode(), peer)


for fn in (tcp, udp):
    for family, host in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        threading.Thread(target=fn, args=(family, host), daemon=True).start()
print("listening", flush=True)
threading.Event().wait()
