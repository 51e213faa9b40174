"""A throwaway certificate authority for local https: the tests' and benchmarks' TLS servers.

Made fresh with ``cryptography`` (which moto installs) each time, kept in a temporary
directory and valid for an hour; nothing here is ever trusted outside the process that
asked for it, except through a layer built with ``--extra-root`` for a benchmark.
"""

from __future__ import annotations

import contextlib
import ipaddress
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any


class ThrowawayCa:
    """A CA certificate (``ca_file``) and its key, able to issue server certificates."""

    def __init__(self, directory: Path, name: str = "maintenance-gate throwaway CA") -> None:
        from cryptography.hazmat.primitives.asymmetric import ec

        self.directory = directory
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._name = _name(name)
        certificate = self._certificate(self._name, self._key, ca=True, hosts=())
        self.ca_file = directory / f"{_slug(name)}.pem"
        self.ca_file.write_bytes(_pem(certificate))

    def issue(self, *hosts: str) -> tuple[Path, Path]:
        """(certificate file, key file) for a server answering as ``hosts`` (names or IP addresses)."""
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec

        key = ec.generate_private_key(ec.SECP256R1())
        certificate = self._certificate(_name(hosts[0]), key, ca=False, hosts=hosts)
        stem = self.directory / f"{_slug(hosts[0])}-{id(key):x}"
        cert_file, key_file = stem.with_suffix(".crt"), stem.with_suffix(".key")
        cert_file.write_bytes(_pem(certificate))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return cert_file, key_file

    def _certificate(self, subject: Any, key: Any, *, ca: bool, hosts: tuple[str, ...]) -> Any:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes

        now = datetime.now(timezone.utc)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if hosts:
            builder = builder.add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), False)
        return builder.sign(self._key, hashes.SHA256())


def _general_name(host: str) -> Any:
    from cryptography import x509

    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(certificate: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return certificate.public_bytes(serialization.Encoding.PEM)  # type: ignore[no-any-return]


def _slug(text: str) -> str:
    return "".join(character if character.isalnum() else "-" for character in text)


class TlsFront:
    """https://127.0.0.1:PORT in front of a plain-http server (the moto server), as AWS's endpoints are https.

    Each accepted connection is TLS-terminated with a certificate from ``ca`` for 127.0.0.1
    and piped to ``upstream`` byte for byte, with Nagle off on both legs. ``round_trip``
    seconds are added where a network would add them: before the handshake (TCP's),
    after it (TLS 1.3's one flight) and before each request is forwarded (its round trip).
    """

    def __init__(self, ca: ThrowawayCa, upstream: tuple[str, int], *, round_trip: float = 0.0) -> None:
        import socket
        import ssl

        cert_file, key_file = ca.issue("127.0.0.1")
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(cert_file, key_file)
        self._upstream = upstream
        self._round_trip = round_trip
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self.url = f"https://127.0.0.1:{self.port}"
        self.connections = 0
        self._open: set[Any] = set()
        self._stopped = False

    def __enter__(self) -> TlsFront:
        import threading

        threading.Thread(target=self._accept, name="tls-front", daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped = True
        self._listener.close()
        for connection in list(self._open):
            _quietly_close(connection)

    def _accept(self) -> None:
        import threading

        while not self._stopped:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: Any) -> None:
        import socket
        import threading
        import time

        upstream = None
        try:
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            time.sleep(self._round_trip)
            secure = self._context.wrap_socket(client, server_side=True)
            self._open.add(secure)
            time.sleep(self._round_trip)
            upstream = socket.create_connection(self._upstream)
            upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._open.add(upstream)
            threading.Thread(target=_pipe, args=(upstream, secure, 0.0), daemon=True).start()
            _pipe(secure, upstream, self._round_trip)
        except OSError:
            pass  # a client that refused our certificate, or went away: nothing to serve
        finally:
            _quietly_close(client)
            if upstream is not None:
                _quietly_close(upstream)
            self._open.difference_update({client, upstream})


def _pipe(source: Any, target: Any, delay: float) -> None:
    import time

    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if delay:
                time.sleep(delay)
            target.sendall(data)
    except OSError:
        pass
    finally:
        _quietly_close(target)


def _quietly_close(connection: Any) -> None:
    with contextlib.suppress(OSError):
        connection.close()
