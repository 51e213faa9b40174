"""A TCP relay that records what a runtime (or the proxy) sends to the Runtime API: ``python tap.py UPSTREAM FILE``.

It listens on a free port of 127.0.0.1, prints ``host:port`` on one line once
listening (the proxy's own readiness contract), then relays every connection to
``UPSTREAM`` byte for byte, appending what the client sent on connection N to
``FILE.N`` as it passes.
It changes nothing, so it shows the wire the emulator cannot: how a response was sent
(streaming mode, chunked encoding, trailers), not only what arrived.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import sys
import threading

_BUFFER = 65536


def _pump(source: socket.socket, target: socket.socket, record: str | None) -> None:
    try:
        while data := source.recv(_BUFFER):
            if record is not None:
                with open(record, "ab") as handle:
                    handle.write(data)
            target.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, target):
            with contextlib.suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)


def main(upstream: str, record: str) -> None:
    host, port = upstream.rsplit(":", 1)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print(f"127.0.0.1:{listener.getsockname()[1]}", flush=True)
    sys.stdout.close()
    for index in itertools.count():
        client, _ = listener.accept()
        server = socket.create_connection((host, int(port)))
        threading.Thread(target=_pump, args=(client, server, f"{record}.{index}"), daemon=True).start()
        threading.Thread(target=_pump, args=(server, client, None), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
