"""A throwaway certificate authority for local https: the tests' and benchmarks' TLS servers.

Made fresh with ``cryptography`` (which moto installs) each time, kept in a temporary
directory and valid for an hour; nothing here is ever trusted outside the process that
asked for it, except through a layer built with ``--extra-root`` for a benchmark.
"""

from __future__ import annotations

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
