"""serving.tls: the persistent CA, the server certificate, user files, a real handshake."""

import ipaddress
import logging
import os
import socket
import ssl
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from mock_server.domain.errors import MockError
from mock_server.serving.tls import (
    DEFAULT_NAMES,
    TlsError,
    TlsFiles,
    ensure_certificates,
    server_names,
    user_supplied,
)

HOST = "mock-host.test"
FILE_NAMES = ("ca.pem", "ca-key.pem", "server.pem", "server-key.pem")
GREETING = b"hello from the mock\n"


@pytest.fixture(autouse=True)
def fixed_host_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: HOST)


@pytest.fixture
def tls_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "tls"


@pytest.fixture
def files(tls_dir: Path) -> TlsFiles:
    return ensure_certificates(tls_dir)


def snapshot(tls_dir: Path) -> dict[str, bytes]:
    return {name: (tls_dir / name).read_bytes() for name in FILE_NAMES}


def load_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def sans(files: TlsFiles) -> list[x509.GeneralName]:
    cert = load_cert(files.cert_chain)
    return list(cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value)


def assert_issued_by_ca(files: TlsFiles) -> None:
    assert files.ca_cert is not None
    load_cert(files.cert_chain).verify_directly_issued_by(load_cert(files.ca_cert))
    ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER).load_cert_chain(files.cert_chain, files.key)


# --- ensure_certificates: creation and reuse -------------------------------------------------


def test_first_call_returns_the_files_in_tls_dir(tls_dir: Path) -> None:
    files = ensure_certificates(tls_dir)

    assert files == TlsFiles(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server-key.pem")
    assert sorted(p.name for p in tls_dir.iterdir()) == sorted(FILE_NAMES)
    assert_issued_by_ca(files)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
@pytest.mark.parametrize(
    ("name", "mode"),
    [
        pytest.param(".", 0o700, id="tls-dir"),
        pytest.param("ca-key.pem", 0o600, id="ca-key"),
        pytest.param("server-key.pem", 0o600, id="server-key"),
        pytest.param("ca.pem", 0o644, id="ca-cert"),
        pytest.param("server.pem", 0o644, id="server-cert"),
    ],
)
def test_first_call_sets_modes(tls_dir: Path, files: TlsFiles, name: str, mode: int) -> None:
    assert stat.S_IMODE((tls_dir / name).stat().st_mode) == mode


def test_ca_is_named_for_the_mock(files: TlsFiles) -> None:
    assert files.ca_cert is not None
    subject = load_cert(files.ca_cert).subject
    organization = subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME)
    assert [attribute.value for attribute in organization] == ["vonage-numbers-mock local CA"]


def test_second_call_reuses_ca_and_server_cert_byte_for_byte(
    tls_dir: Path, files: TlsFiles
) -> None:
    before = snapshot(tls_dir)

    again = ensure_certificates(tls_dir)

    assert again == files
    assert snapshot(tls_dir) == before


def test_names_already_covered_keep_the_server_cert(tls_dir: Path) -> None:
    ensure_certificates(tls_dir, ["extra.example"])
    before = snapshot(tls_dir)

    ensure_certificates(tls_dir)
    ensure_certificates(tls_dir, ["localhost", HOST, "EXTRA.example"])

    assert snapshot(tls_dir) == before


@pytest.mark.parametrize(
    ("extra", "entry"),
    [
        pytest.param("mock.example.org", x509.DNSName("mock.example.org"), id="dns"),
        pytest.param("10.1.2.3", x509.IPAddress(ipaddress.ip_address("10.1.2.3")), id="ipv4"),
        pytest.param("fd00::7", x509.IPAddress(ipaddress.ip_address("fd00::7")), id="ipv6"),
        pytest.param("*.nexmo.com", x509.DNSName("*.nexmo.com"), id="wildcard"),
        pytest.param("café.example", x509.DNSName("xn--caf-dma.example"), id="idn"),
    ],
)
def test_new_extra_name_reissues_server_cert_and_keeps_ca(
    tls_dir: Path, files: TlsFiles, extra: str, entry: x509.GeneralName
) -> None:
    before = snapshot(tls_dir)

    again = ensure_certificates(tls_dir, [extra])

    after = snapshot(tls_dir)
    assert after["ca.pem"] == before["ca.pem"]
    assert after["ca-key.pem"] == before["ca-key.pem"]
    assert after["server.pem"] != before["server.pem"]
    assert after["server-key.pem"] != before["server-key.pem"]
    assert entry in sans(again)
    assert_issued_by_ca(again)


# --- ensure_certificates: subject alternative names ------------------------------------------

SAN_TABLE = [
    pytest.param("localhost", x509.DNSName("localhost"), id="localhost"),
    pytest.param("127.0.0.1", x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")), id="ipv4"),
    pytest.param("::1", x509.IPAddress(ipaddress.IPv6Address("::1")), id="ipv6"),
    pytest.param("rest.nexmo.com", x509.DNSName("rest.nexmo.com"), id="rest"),
    pytest.param("api.nexmo.com", x509.DNSName("api.nexmo.com"), id="api"),
    pytest.param(HOST, x509.DNSName(HOST), id="host-name"),
]


def test_san_table_covers_every_default_name() -> None:
    assert {param.values[0] for param in SAN_TABLE} == {*DEFAULT_NAMES, HOST}


@pytest.mark.parametrize(("name", "entry"), SAN_TABLE)
def test_server_cert_has_san(files: TlsFiles, name: str, entry: x509.GeneralName) -> None:
    entries = sans(files)
    assert entry in entries
    if isinstance(entry, x509.IPAddress):
        assert x509.DNSName(name) not in entries  # an IP, not a host name spelled like one


# --- ensure_certificates: repair ----------------------------------------------------------


def other_key_pem() -> bytes:
    return trustme.CA().issue_cert("elsewhere.example").private_key_pem.bytes()


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        pytest.param("server.pem", Path.unlink, id="server-cert-deleted"),
        pytest.param("server-key.pem", Path.unlink, id="server-key-deleted"),
        pytest.param("server.pem", lambda p: p.write_text("garbage"), id="server-cert-garbage"),
        pytest.param("server-key.pem", lambda p: p.write_bytes(b""), id="server-key-empty"),
        pytest.param("server-key.pem", lambda p: p.write_bytes(other_key_pem()), id="key-mismatch"),
    ],
)
def test_damaged_server_files_are_reissued_from_the_same_ca(
    tls_dir: Path, files: TlsFiles, name: str, damage: Callable[[Path], object]
) -> None:
    before = snapshot(tls_dir)
    damage(tls_dir / name)

    again = ensure_certificates(tls_dir)

    after = snapshot(tls_dir)
    assert after["ca.pem"] == before["ca.pem"]
    assert after["ca-key.pem"] == before["ca-key.pem"]
    assert after["server.pem"] != before["server.pem"]
    assert_issued_by_ca(again)


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


def garbled(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 40] = b"A" * 40  # still base64, no longer the key
    path.write_bytes(bytes(data))


DAMAGED_CA = [
    pytest.param("ca.pem", Path.unlink, "missing", id="ca-cert-deleted"),
    pytest.param("ca-key.pem", Path.unlink, "missing", id="ca-key-deleted"),
    pytest.param("ca.pem", truncated, "not a PEM certificate", id="ca-cert-truncated"),
    pytest.param("ca-key.pem", truncated, "not an unencrypted PEM", id="ca-key-truncated"),
    pytest.param("ca.pem", lambda p: p.write_bytes(b""), "not a PEM", id="ca-cert-empty"),
    pytest.param("ca-key.pem", garbled, "", id="ca-key-garbled"),
    pytest.param(
        "ca-key.pem", lambda p: p.write_bytes(other_key_pem()), "not the key", id="key-mismatch"
    ),
]


@pytest.mark.parametrize(("name", "damage", "problem"), DAMAGED_CA)
def test_a_damaged_ca_is_refused_naming_the_file_and_left_as_it_is(
    tls_dir: Path, files: TlsFiles, name: str, damage: Callable[[Path], object], problem: str
) -> None:
    damage(tls_dir / name)
    before = {p.name: p.read_bytes() for p in tls_dir.iterdir()}

    with pytest.raises(TlsError) as raised:
        ensure_certificates(tls_dir)

    message = str(raised.value)
    assert message.startswith(f"{tls_dir / name}: ")
    assert problem in message
    assert "--regenerate-ca" in message
    assert "\n" not in message
    assert {p.name: p.read_bytes() for p in tls_dir.iterdir()} == before


@pytest.mark.parametrize(("name", "damage", "problem"), DAMAGED_CA)
def test_regenerate_ca_replaces_a_damaged_ca_and_the_server_cert_follows(
    tls_dir: Path,
    files: TlsFiles,
    name: str,
    damage: Callable[[Path], object],
    problem: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = snapshot(tls_dir)
    damage(tls_dir / name)

    with caplog.at_level(logging.WARNING, logger="uvicorn.error"):
        again = ensure_certificates(tls_dir, regenerate_ca=True)

    after = snapshot(tls_dir)
    assert after["ca.pem"] != before["ca.pem"]
    assert after["ca-key.pem"] != before["ca-key.pem"]
    assert after["server.pem"] != before["server.pem"]
    assert_issued_by_ca(again)
    (warning,) = [r.getMessage() for r in caplog.records]
    assert str(tls_dir / name) in warning
    assert "making a new local CA" in warning


def test_regenerate_ca_keeps_a_sound_ca(tls_dir: Path, files: TlsFiles) -> None:
    before = snapshot(tls_dir)

    ensure_certificates(tls_dir, regenerate_ca=True)

    assert snapshot(tls_dir) == before


def test_a_tls_dir_without_either_ca_file_gets_a_new_ca(tls_dir: Path, files: TlsFiles) -> None:
    before = snapshot(tls_dir)
    (tls_dir / "ca.pem").unlink()
    (tls_dir / "ca-key.pem").unlink()

    again = ensure_certificates(tls_dir)

    assert snapshot(tls_dir)["ca.pem"] != before["ca.pem"]
    assert_issued_by_ca(again)


def test_a_tls_dir_that_cannot_be_written_is_a_tls_error(
    tls_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(30, "Read-only file system", str(tls_dir / ".ca-key.pem.x"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)

    with pytest.raises(TlsError) as raised:
        ensure_certificates(tls_dir)

    assert str(raised.value) == f"{tls_dir}: cannot write the TLS files: Read-only file system"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param("under_score.example", id="underscore"),
        pytest.param("a..b", id="empty-label"),
        pytest.param("", id="empty"),
    ],
)
def test_impossible_extra_name_raises_tls_error(tls_dir: Path, bad: str) -> None:
    with pytest.raises(TlsError, match="cannot be a TLS server name"):
        ensure_certificates(tls_dir, [bad])


# --- server_names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "extra", "expected"),
    [
        pytest.param(HOST, [], [*DEFAULT_NAMES, HOST], id="defaults-and-host"),
        pytest.param(
            HOST, ["b.test", "a.test"], [*DEFAULT_NAMES, HOST, "b.test", "a.test"], id="extra"
        ),
        pytest.param(
            HOST,
            ["a.test", "localhost", HOST, "a.test"],
            [*DEFAULT_NAMES, HOST, "a.test"],
            id="dedup",
        ),
        pytest.param("localhost", [], list(DEFAULT_NAMES), id="host-is-default"),
        pytest.param("my_box", ["x.test"], [*DEFAULT_NAMES, "x.test"], id="unusable-host-skipped"),
        pytest.param("", [], list(DEFAULT_NAMES), id="empty-host-skipped"),
    ],
)
def test_server_names(
    monkeypatch: pytest.MonkeyPatch, host: str, extra: list[str], expected: list[str]
) -> None:
    monkeypatch.setattr(socket, "gethostname", lambda: host)
    assert server_names(extra) == expected


# --- user_supplied -----------------------------------------------------------------------


def test_tls_error_is_a_mock_error() -> None:
    assert issubclass(TlsError, MockError)


@pytest.mark.parametrize(
    "with_ca", [pytest.param(True, id="with-ca"), pytest.param(False, id="no-ca")]
)
def test_user_supplied_accepts_a_valid_pair(files: TlsFiles, with_ca: bool) -> None:
    ca_cert = files.ca_cert if with_ca else None

    result = user_supplied(files.cert_chain, files.key, ca_cert)

    assert result == TlsFiles(ca_cert=ca_cert, cert_chain=files.cert_chain, key=files.key)


def write_other_key(path: Path) -> Path:
    path.write_bytes(other_key_pem())
    return path


def write_encrypted_key(path: Path, files: TlsFiles) -> Path:
    key = serialization.load_pem_private_key(files.key.read_bytes(), None)
    encryption = serialization.BestAvailableEncryption(b"secret")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    path.write_bytes(pem)
    return path


def write_text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


Args = tuple[Path, Path, Path | None]


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        pytest.param(
            lambda f, d: (d / "nope.pem", f.key, None), "not found: {0}", id="missing-cert"
        ),
        pytest.param(
            lambda f, d: (f.cert_chain, d / "nope-key.pem", None),
            "not found: {1}",
            id="missing-key",
        ),
        pytest.param(
            lambda f, d: (f.cert_chain, f.key, d / "nope-ca.pem"), "not found: {2}", id="missing-ca"
        ),
        pytest.param(
            lambda f, d: (f.cert_chain, write_other_key(d / "other-key.pem"), None),
            "{1} does not load with certificate {0}: KEY_VALUES_MISMATCH",
            id="mismatched-key",
        ),
        pytest.param(
            lambda f, d: (write_text(d / "junk.pem", "junk"), f.key, None),
            "{0} is not a PEM certificate chain",
            id="junk-cert",
        ),
        pytest.param(
            lambda f, d: (f.cert_chain, write_text(d / "junk-key.pem", "junk"), None),
            "{1} does not load with certificate {0}",
            id="junk-key",
        ),
        pytest.param(
            lambda f, d: (f.cert_chain, write_encrypted_key(d / "enc-key.pem", f), None),
            "{1} is encrypted",
            id="encrypted-key",
        ),
        pytest.param(
            lambda f, d: (f.cert_chain, f.key, write_text(d / "junk-ca.pem", "junk")),
            "CA certificate {2} does not load",
            id="junk-ca",
        ),
    ],
)
def test_user_supplied_rejects_with_the_file_named(
    tmp_path: Path,
    files: TlsFiles,
    make_args: Callable[[TlsFiles, Path], Args],
    message: str,
) -> None:
    args = make_args(files, tmp_path)

    with pytest.raises(TlsError) as raised:
        user_supplied(*args)

    assert message.format(*args) in str(raised.value)


# --- a real TLS handshake ----------------------------------------------------------------


class TlsServer:
    """A one-greeting-per-connection TLS server on 127.0.0.1, in a thread, until stop()."""

    def __init__(self, files: TlsFiles) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(files.cert_chain, files.key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port: int = self.listener.getsockname()[1]
        self.failures: list[Exception] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(5)
            try:
                with self.context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(GREETING)
            except OSError as exc:  # ssl.SSLError included: the client refused us
                self.failures.append(exc)
            finally:
                conn.close()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self.listener.close()
        assert not self._thread.is_alive()


@pytest.fixture
def server(files: TlsFiles) -> Iterator[TlsServer]:
    running = TlsServer(files)
    yield running
    running.stop()


def fetch_greeting(port: int, context: ssl.SSLContext, server_hostname: str) -> bytes:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname=server_hostname) as tls,
    ):
        data = b""
        while len(data) < len(GREETING):
            chunk = tls.recv(len(GREETING) - len(data))
            if not chunk:
                break
            data += chunk
        return data


@pytest.mark.parametrize(
    "server_hostname",
    [
        pytest.param("localhost", id="localhost"),
        pytest.param("rest.nexmo.com", id="rest.nexmo.com"),
        pytest.param("api.nexmo.com", id="api.nexmo.com"),
        pytest.param("127.0.0.1", id="ip"),
    ],
)
def test_handshake_verifies_with_the_ca(
    server: TlsServer, files: TlsFiles, server_hostname: str
) -> None:
    assert files.ca_cert is not None
    context = ssl.create_default_context(cafile=files.ca_cert)

    assert fetch_greeting(server.port, context, server_hostname) == GREETING


def context_trusting_another_ca(files: TlsFiles) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    trustme.CA().configure_trust(context)
    return context


def context_trusting_our_ca(files: TlsFiles) -> ssl.SSLContext:
    assert files.ca_cert is not None
    return ssl.create_default_context(cafile=files.ca_cert)


@pytest.mark.parametrize(
    ("make_context", "server_hostname"),
    [
        pytest.param(lambda f: ssl.create_default_context(), "localhost", id="system-trust-only"),
        pytest.param(lambda f: ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT), "localhost", id="no-ca"),
        pytest.param(context_trusting_another_ca, "localhost", id="another-ca"),
        pytest.param(context_trusting_our_ca, "example.com", id="name-not-in-cert"),
    ],
)
def test_handshake_fails_verification(
    server: TlsServer,
    files: TlsFiles,
    make_context: Callable[[TlsFiles], ssl.SSLContext],
    server_hostname: str,
) -> None:
    with pytest.raises(ssl.SSLCertVerificationError):
        fetch_greeting(server.port, make_context(files), server_hostname)
