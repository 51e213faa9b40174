"""Which certificates the window read trusts: a store sized to the endpoint, never none.

Parameter Store's endpoints chain to Amazon Trust Services, so the layer carries those
roots alone (``roots.pem`` beside this module, selected by subject from botocore's
``cacert.pem`` when the layer is built: :mod:`layer.build`). Loading them costs about
1 ms; loading the system bundle (about 140 roots) costs 20 to 50 ms under OpenSSL 3
(python/cpython#95031), which the first read would otherwise pay at every cold start.

The stores tried, in order:

- ``AWS_CA_BUNDLE`` when set (as botocore honours it): that bundle only;
- ``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` when set: what they name, as OpenSSL's default would;
- an endpoint in a partition whose endpoints are not Amazon Trust Services' (China;
  the closed ISO partitions): the default store;
- otherwise the layer's roots, then, only if the certificate fails verification against
  them (a TLS-inspecting proxy, a private endpoint with another CA), the default store
  once. The store that verified is kept for later reads.

Without ``roots.pem`` (the gate run from a checkout, not the layer) the default store is
used. Verification is never turned off: every context requires a certificate and checks
the host name.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from gate.records import NamedTuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (gate.records says why)

if TYPE_CHECKING:
    import ssl

ROOTS_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "roots.pem")
# Host suffixes of partitions whose endpoints do not chain to Amazon Trust Services:
# aws-cn (amazonaws.com.cn) and the ISO partitions, whose networks run their own CAs.
ELSEWHERE_SUFFIXES = (".amazonaws.com.cn", ".c2s.ic.gov", ".sc2s.sgov.gov", ".cloud.adc-e.uk", ".csp.hci.ic.gov")


class Store(NamedTuple):
    """One trust store: a bundle file or directory, or (both None) the interpreter's default store."""

    cafile: str | None = None
    capath: str | None = None
    origin: str = "default"

    @property
    def is_default(self) -> bool:
        return self.cafile is None and self.capath is None


DEFAULT = Store()


def stores_for(host: str, environ: Mapping[str, str], roots_file: str = ROOTS_FILE) -> tuple[Store, ...]:
    """The stores to try for ``host``, in order (see the module's docstring)."""
    bundle = environ.get("AWS_CA_BUNDLE")
    if bundle:
        return (_named(bundle, "AWS_CA_BUNDLE"),)
    cert_file, cert_dir = environ.get("SSL_CERT_FILE") or None, environ.get("SSL_CERT_DIR") or None
    if cert_file or cert_dir:
        return (Store(cert_file, cert_dir, "SSL_CERT_FILE/SSL_CERT_DIR"),)
    if host.endswith(ELSEWHERE_SUFFIXES) or not os.path.isfile(roots_file):
        return (DEFAULT,)
    return (Store(roots_file, None, "the layer's Amazon Trust Services roots"), DEFAULT)


class Trust:
    """The TLS contexts for one endpoint, tried in order; after a fallback verifies, only it is kept."""

    def __init__(self, stores: tuple[Store, ...]) -> None:
        if not stores:
            raise ValueError("a Trust needs at least one store")
        self._stores = stores
        self._lock = threading.Lock()

    @property
    def stores(self) -> tuple[Store, ...]:
        return self._stores

    def settle_on(self, store: Store) -> None:
        """Keep ``store`` alone: the stores before it failed to verify this endpoint."""
        with self._lock:
            self._stores = self._stores[self._stores.index(store) :]


_contexts: dict[Store, ssl.SSLContext] = {}
_contexts_lock = threading.Lock()


def context(store: Store) -> ssl.SSLContext:
    """The client context for ``store``, built once per process (loading roots is the costly part)."""
    with _contexts_lock:
        built = _contexts.get(store)
        if built is None:
            built = _contexts[store] = _build(store)
        return built


def _build(store: Store) -> ssl.SSLContext:
    import ssl

    if store.is_default:
        made = ssl.create_default_context()
    else:
        # PROTOCOL_TLS_CLIENT requires a certificate and checks the host name; said again below.
        made = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        made.load_verify_locations(cafile=store.cafile, capath=store.capath)
    made.minimum_version = ssl.TLSVersion.TLSv1_2  # AWS endpoints require TLS 1.2 or later
    made.verify_mode = ssl.CERT_REQUIRED
    made.check_hostname = True
    return made


def _named(path: str, variable: str) -> Store:
    if os.path.isdir(path):
        return Store(None, path, variable)
    return Store(path, None, variable)
