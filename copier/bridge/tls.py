"""TLS for the remote listener: the server context (TLS 1.2+), a self-signed certificate made on
first use, and the fingerprints an EA pins: SHA-256, and SHA-1 for MetaTrader 5, whose
``SocketTlsCertificate`` gives only "the SHA-1 hash from the entire certificate file"
(https://www.mql5.com/en/docs/network/sockettlscertificate) — the MT5 EAs compare that one.

A self-signed certificate proves nothing by itself; it becomes trustworthy when the EA compares
the server's certificate with the fingerprint the copier printed, which the user copies into the
EA's inputs. The private key is written readable by its owner only.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography.x509 import GeneralName

CERT_FILE = "bridge-cert.pem"
KEY_FILE = "bridge-key.pem"
VALID_DAYS = 825  # the longest validity clients commonly accept for a server certificate


class TlsError(ValueError):
    """Certificate or key files that cannot be used; the message says which and why."""


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    cert_file: Path
    key_file: Path
    fingerprint: str  # SHA-256 of the certificate (DER), "AB:CD:..."
    self_signed: bool
    fingerprint_sha1: str = ""  # SHA-1 of the same DER, "AB:CD:...": what MT5 EAs compare


def fingerprint_of_der(der: bytes, algorithm: str = "sha256") -> str:
    digest = hashlib.new(algorithm, der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def certificate_fingerprint(cert_file: Path, algorithm: str = "sha256") -> str:
    try:
        pem = cert_file.read_text(encoding="ascii")
        der = ssl.PEM_cert_to_DER_cert(pem)
    except (OSError, ValueError) as exc:
        raise TlsError(f"certificate {cert_file} cannot be read: {exc}") from exc
    return fingerprint_of_der(der, algorithm)


def _material(cert_file: Path, key_file: Path, self_signed: bool) -> TlsMaterial:
    return TlsMaterial(cert_file, key_file, certificate_fingerprint(cert_file), self_signed,
                       certificate_fingerprint(cert_file, "sha1"))


def server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    """A server context that speaks TLS 1.2 or newer with the given certificate and key."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except (OSError, ssl.SSLError) as exc:
        raise TlsError(f"cannot use certificate {cert_file} with key {key_file}: {exc}") from exc
    return context


def user_material(cert_file: Path, key_file: Path) -> TlsMaterial:
    """The user's own certificate and key files, checked by loading them."""
    server_context(cert_file, key_file)
    return _material(cert_file, key_file, False)


def self_signed_material(folder: Path, host: str = "") -> TlsMaterial:
    """The copier's self-signed pair in ``folder``, generated on first use and reused after."""
    cert_file, key_file = folder / CERT_FILE, folder / KEY_FILE
    if not (cert_file.exists() and key_file.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        cert_pem, key_pem = generate_self_signed(host)
        _write_private(key_file, key_pem)
        cert_file.write_bytes(cert_pem)
    server_context(cert_file, key_file)
    return _material(cert_file, key_file, True)


def generate_self_signed(host: str = "") -> tuple[bytes, bytes]:
    """A new ECDSA P-256 key and a certificate for it, both PEM; names localhost, this machine
    and ``host`` (when it is a name or a specific address)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TradeCopier bridge")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alt_names(host)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def _alt_names(host: str) -> list[GeneralName]:
    from cryptography import x509

    names: list[GeneralName] = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    hostname = socket.gethostname()
    if hostname and hostname != "localhost":
        names.append(x509.DNSName(hostname))
    if host and host not in ("0.0.0.0", "::", "localhost", "127.0.0.1"):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
