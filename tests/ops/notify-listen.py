#!/usr/bin/python3
"""notify-listen SOCKET OUT SECONDS: play systemd's side of sd_notify.

Binds a unix datagram socket at SOCKET, appends every message received to
OUT (one line per assignment, a blank line between messages), and exits
after SECONDS or when killed.
"""
import os
import socket
import sys
import time

path, out, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
open(out, 'w').close()
end = time.monotonic() + seconds
while time.monotonic() < end:
    s.settimeout(max(0.01, end - time.monotonic()))
    try:
        data = s.recv(4096)
    except socket.timeout:
        break
    with open(out, 'a') as f:
        f.write(data.decode(errors='replace') + '\n\n')
