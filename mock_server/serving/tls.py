"""The server's TLS material: a persistent local CA, the certificate it issues, or the user's."""

import ipaddress
import logging
import socket
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn

import idna
import trustme
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from mock_server.domain.errors import MockError
from mock_server.state.atomic import write_atomically

# uvicorn configures its own loggers only: speak through its error logger so messages show.
logger = logging.getLogger("uvicorn.error")

DEFAULT_NAMES: tuple[str, ...] = (
    "localhost",
    "127.0.0.1",
    "::1",
    "rest.nexmo.com",
    "api.nexmo.com",
)
CA_ORGANIZATION = "vonage-numbers-mock local CA"
SERVER_ORGANIZATION = "vonage-numbers-mock"
CA_CERT_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
SERVER_CERT_FILE = "server.pem"
SERVER_KEY_FILE = "server-key.pem"
_DIR_MODE = 0o700
_KEY_MODE = 0o600
_CERT_MODE = 0o644
# What reading a damaged, foreign or half-written PEM file can raise.
_UNREADABLE = (OSError, ValueError, TypeError, UnsupportedAlgorithm, InvalidSignature)


class TlsError(MockError):
    """TLS files are missing, unreadable or do not fit together, or a name cannot be certified."""


@dataclass(frozen=True)
class TlsFiles:
    """Paths of the PEM files the server and its clients use."""

    ca_cert: Path | None
    cert_chain: Path
    key: Path


def server_names(extra: Sequence[str]) -> list[str]:
    """DEFAULT_NAMES + socket.gethostname() + extra, de-duplicated, order kept.

    The host name is left out when it cannot be a certificate name (empty, or with `_`).
    """
    return list(dict.fromkeys([*DEFAULT_NAMES, *_host_name(), *extra]))


def ensure_certificates(
    tls_dir: Path, extra_names: Sequence[str] = (), regenerate_ca: bool = False
) -> TlsFiles:
    """Create on first use, reuse afterwards: the local CA and a server certificate in tls_dir.

    The CA (ca.pem, ca-key.pem) survives restarts: when either is missing while the other is
    there, unreadable, or they do not belong together, TlsError names the file, since a new CA
    would break every client that trusts the old one; `regenerate_ca` makes a new one instead.
    The server certificate (server.pem chain, server-key.pem) is re-issued from the CA when it
    does not cover every name of server_names(extra_names), was not issued by it, or is missing
    or unreadable. A new tls_dir gets mode 0o700, key files 0o600. Raises TlsError for a name
    no certificate can hold, and for files that cannot be written.
    """
    names = server_names(extra_names)
    wanted = {_san_entry(name) for name in names}
    try:
        _make_private_dir(tls_dir)
        ca = _load_or_create_ca(tls_dir / CA_CERT_FILE, tls_dir / CA_KEY_FILE, regenerate_ca)
        files = TlsFiles(
            tls_dir / CA_CERT_FILE, tls_dir / SERVER_CERT_FILE, tls_dir / SERVER_KEY_FILE
        )
        if not _server_cert_fits(files, _certificate(ca.cert_pem.bytes()), wanted):
            _issue_server_cert(ca, names, files)
    except OSError as error:
        raise TlsError(f"{tls_dir}: cannot write the TLS files: {error.strerror}") from error
    return files


def user_supplied(cert_chain: Path, key: Path, ca_cert: Path | None = None) -> TlsFiles:
    """Check a user's certificate chain and key load together (and the CA file, if given)."""
    for path in (cert_chain, key, ca_cert):
        if path is not None and not path.is_file():
            raise TlsError(f"TLS file not found: {path}")
    _check_pair(cert_chain, key)
    if ca_cert is not None:
        _check_ca(ca_cert)
    return TlsFiles(ca_cert=ca_cert, cert_chain=cert_chain, key=key)


def _host_name() -> list[str]:
    host = socket.gethostname()
    try:
        _san_entry(host)
    except TlsError:
        return []
    return [host]


def _san_entry(name: str) -> x509.GeneralName:
    """The SubjectAlternativeName entry trustme writes for `name`: an IP, or a DNS A-label."""
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        pass
    prefix, host = ("*.", name[2:]) if name.startswith("*.") else ("", name)
    try:
        return x509.DNSName(prefix + idna.encode(host, uts46=True).decode("ascii"))
    except idna.IDNAError as exc:
        raise TlsError(f"{name!r} cannot be a TLS server name: {exc}") from exc


def _make_private_dir(tls_dir: Path) -> None:
    if not tls_dir.is_dir():
        tls_dir.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
        tls_dir.chmod(_DIR_MODE)  # mkdir's mode is filtered by the umask


def _load_or_create_ca(cert_path: Path, key_path: Path, regenerate: bool) -> trustme.CA:
    """The CA in the two files; a new one when neither exists (or `regenerate` and it is
    damaged); TlsError naming the file otherwise."""
    if cert_path.exists() or key_path.exists():
        try:
            return _load_ca(cert_path, key_path)
        except TlsError as damage:
            if not regenerate:
                raise
            logger.warning("%s; making a new local CA, as --regenerate-ca asks", damage)
    ca = trustme.CA(organization_name=CA_ORGANIZATION)
    write_atomically(key_path, ca.private_key_pem.bytes(), _KEY_MODE)
    write_atomically(cert_path, ca.cert_pem.bytes(), _CERT_MODE)
    return ca


def _load_ca(cert_path: Path, key_path: Path) -> trustme.CA:
    """trustme.CA.from_pem, after checking each file reads and the key fits the certificate."""
    cert_pem = _read_ca_file(cert_path, "CA certificate")
    key_pem = _read_ca_file(key_path, "CA key")
    try:
        certificate = _certificate(cert_pem)
    except _UNREADABLE as error:
        raise _damaged(cert_path, "not a PEM certificate", error) from error
    try:
        key = load_pem_private_key(key_pem, None)
    except _UNREADABLE as error:
        raise _damaged(key_path, "not an unencrypted PEM private key", error) from error
    if certificate.public_key() != key.public_key():
        raise _damaged(key_path, f"not the key of the CA certificate {cert_path.name}", None)
    return trustme.CA.from_pem(cert_pem, key_pem)


def _read_ca_file(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as error:
        raise _damaged(
            path, f"the {what} is missing while the other CA file is there", None
        ) from error
    except OSError as error:
        raise _damaged(path, f"the {what} cannot be read ({error.strerror})", None) from error


def _damaged(path: Path, problem: str, error: Exception | None) -> TlsError:
    detail = f" ({str(error).splitlines()[0]})" if error is not None and str(error) else ""
    return TlsError(
        f"{path}: {problem}{detail}: the local CA is damaged; restore the file, or start with "
        "--regenerate-ca to make a new CA (clients must then trust the new ca.pem)"
    )


def certificate_names(cert_chain: Path) -> list[str]:
    """The DNS names the first certificate of `cert_chain` is for; none when it cannot be read
    (the server's start refuses such a file with its own message)."""
    try:
        cert = _certificate(cert_chain.read_bytes())
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (*_UNREADABLE, x509.ExtensionNotFound):
        return []
    return [str(name) for name in sans.get_values_for_type(x509.DNSName)]


def _certificate(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def _server_cert_fits(
    files: TlsFiles, ca_cert: x509.Certificate, wanted: set[x509.GeneralName]
) -> bool:
    try:
        cert = _certificate(files.cert_chain.read_bytes())
        key = load_pem_private_key(files.key.read_bytes(), None)
        cert.verify_directly_issued_by(ca_cert)
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (*_UNREADABLE, x509.ExtensionNotFound):
        return False
    unexpired = cert.not_valid_after_utc > datetime.now(UTC)
    return unexpired and cert.public_key() == key.public_key() and wanted <= set(sans)


def _issue_server_cert(ca: trustme.CA, names: Sequence[str], files: TlsFiles) -> None:
    leaf = ca.issue_cert(*names, common_name=names[0], organization_name=SERVER_ORGANIZATION)
    write_atomically(files.key, leaf.private_key_pem.bytes(), _KEY_MODE)
    chain = b"".join(pem.bytes() for pem in leaf.cert_chain_pems)
    write_atomically(files.cert_chain, chain, _CERT_MODE)


def _check_pair(cert_chain: Path, key: Path) -> None:
    try:
        x509.load_pem_x509_certificates(cert_chain.read_bytes())
    except ValueError as exc:
        raise TlsError(f"TLS certificate {cert_chain} is not a PEM certificate chain") from exc

    def refuse_password() -> NoReturn:
        raise TlsError(f"TLS key {key} is encrypted; supply an unencrypted key")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    try:
        context.load_cert_chain(cert_chain, key, password=refuse_password)
    except ssl.SSLError as exc:
        raise TlsError(
            f"TLS key {key} does not load with certificate {cert_chain}: {exc.reason or exc}"
        ) from exc


def _check_ca(ca_cert: Path) -> None:
    try:
        ssl.create_default_context(cafile=ca_cert)
    except ssl.SSLError as exc:
        raise TlsError(f"TLS CA certificate {ca_cert} does not load: {exc.reason or exc}") from exc
