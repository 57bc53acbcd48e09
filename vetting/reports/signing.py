"""The clinic's signing certificate: issuing a local CA and signer, loading, signing.

A clinic may bring its own PKCS#12 (REPORT_SIGNING_P12 + REPORT_SIGNING_PASSPHRASE);
installations without one run `python manage.py issue_signing_certificate`, which
creates a local CA and a signing certificate in SIGNING_DIR. Reports are PAdES
B-B signatures (no timestamp authority is reachable from a clinic's network).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SigningNotConfigured(ImproperlyConfigured):
    pass


def _dir() -> Path:
    return Path(settings.SIGNING_DIR)


def p12_path() -> Path:
    return Path(settings.REPORT_SIGNING_P12) if settings.REPORT_SIGNING_P12 else \
        _dir() / "signer.p12"


def passphrase() -> bytes:
    if settings.REPORT_SIGNING_PASSPHRASE:
        return settings.REPORT_SIGNING_PASSPHRASE.encode()
    stored = _dir() / "passphrase"
    if stored.exists():
        return stored.read_text(encoding="utf-8").strip().encode()
    raise SigningNotConfigured(
        "No signing passphrase: set REPORT_SIGNING_PASSPHRASE (or _FILE), or run "
        "`python manage.py issue_signing_certificate`.")


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.CLINIC_NAME[:64]),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64])])


def _key_usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=sign,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                         decipher_only=False)


def _builder(subject, issuer, public_key, days: int) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days)))


def _create_ca(secret: bytes) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = _name(f"{settings.CLINIC_NAME} vetting report CA")
    cert = (_builder(name, name, key.public_key(), CA_DAYS)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(sign=False, ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(key, hashes.SHA256()))
    encrypted = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.BestAvailableEncryption(secret))
    _write_private(_dir() / "ca-key.pem", encrypted)
    (_dir() / "ca.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert


def _load_ca(secret: bytes) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = serialization.load_pem_private_key((_dir() / "ca-key.pem").read_bytes(), secret)
    cert = x509.load_pem_x509_certificate((_dir() / "ca.pem").read_bytes())
    return key, cert


@dataclass(frozen=True)
class IssuedCertificate:
    subject: str
    fingerprint_sha256: str
    not_after: dt.datetime
    p12: Path
    created_ca: bool


CA_DAYS = 3650


def issue_certificate(*, rotate: bool = False, days: int = 825) -> IssuedCertificate:
    """Create the local CA (once) and a signing certificate; rotate archives the old one.
    The certificate is valid from now for `days` days, within the CA's own validity."""
    target = p12_path()
    if target.exists() and not rotate:
        raise FileExistsError(f"{target} exists: use --rotate to issue a new signing "
                              "certificate (the old one stays valid for old reports).")
    if days < 1:
        raise ValueError(f"--days {days}: a signing certificate is valid for at least 1 day "
                         "(825 by default).")
    if (_dir() / "ca.pem").exists():
        ca_end = x509.load_pem_x509_certificate((_dir() / "ca.pem").read_bytes()
                                                ).not_valid_after_utc
        left = (ca_end - dt.datetime.now(dt.UTC)).days
        if days > left:
            raise ValueError(f"--days {days}: the signing certificate would outlive the local "
                             f"CA, valid until {ca_end:%Y-%m-%d} ({max(left, 0)} days from now).")
    elif days > CA_DAYS - 1:
        raise ValueError(f"--days {days}: at most {CA_DAYS - 1}, within the local CA's "
                         f"{CA_DAYS} days.")
    secret_file = _dir() / "passphrase"
    if not settings.REPORT_SIGNING_PASSPHRASE and not secret_file.exists():
        _write_private(secret_file, secrets.token_urlsafe(32).encode())
    secret = passphrase()
    created = not (_dir() / "ca.pem").exists()
    ca_key, ca_cert = _create_ca(secret) if created else _load_ca(secret)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
    cert = (_builder(_name(f"{settings.CLINIC_NAME} report signing {stamp}"), ca_cert.subject,
                     key.public_key(), days)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign=True, ca=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    if target.exists():
        archived = target.with_name(f"signer-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}.p12")
        target.rename(archived)
    bundle = pkcs12.serialize_key_and_certificates(
        b"report-signer", key, cert, [ca_cert], serialization.BestAvailableEncryption(secret))
    _write_private(target, bundle)
    return IssuedCertificate(cert.subject.rfc4514_string(), fingerprint(cert),
                             cert.not_valid_after_utc, target, created)


def fingerprint(cert: x509.Certificate) -> str:
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def chain_pem(cert: x509.Certificate, chain: list[x509.Certificate]) -> str:
    return "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *chain])


@dataclass(frozen=True)
class LoadedSigner:
    signer: object  # pyhanko SimpleSigner
    certificate: x509.Certificate
    chain: list[x509.Certificate]


def load_signer() -> LoadedSigner:
    """The signing key and certificates, loaded once per worker process.

    Decrypting a PKCS#12 costs a quarter of a second (its key derivation is slow on
    purpose); the cache is keyed by the file's path, size and modification time, so a
    rotation is picked up without restarting the workers.
    """
    loaded = _installed_signer()
    # A signature made outside the certificate's validity never validates: refused, so that
    # the report waits (failed, to retry) rather than being issued invalid for good.
    now = dt.datetime.now(dt.UTC)
    certificate, until = loaded.certificate, signs_until(loaded)
    if now > until:
        which = ("report signing certificate" if until == certificate.not_valid_after_utc
                 else "certificate authority behind the report signing certificate")
        raise SigningNotConfigured(
            f"The {which} expired on {until:%Y-%m-%d}: run `python manage.py "
            "issue_signing_certificate --rotate` (or install a new REPORT_SIGNING_P12), then "
            "retry the report. Reports signed before stay valid.")
    if now < certificate.not_valid_before_utc:
        raise SigningNotConfigured(
            "The report signing certificate is valid only from "
            f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC: check the server's clock.")
    return loaded


@dataclass(frozen=True)
class SignerValidity:
    until: dt.datetime
    days_left: int  # negative once expired


def signer_validity() -> SignerValidity | None:
    """Until when the installed signing certificate signs, for the system page; None when no
    certificate is installed or it cannot be read."""
    try:
        loaded = _installed_signer()
    except Exception:  # noqa: BLE001 - the page says it cannot be read; signing says why
        return None
    until = signs_until(loaded)
    return SignerValidity(until, (until - dt.datetime.now(dt.UTC)).days)


def signs_until(loaded: LoadedSigner) -> dt.datetime:
    """The last moment a signature validates: the earliest end of the certificate and of
    the authorities behind it."""
    return min(c.not_valid_after_utc for c in [loaded.certificate, *loaded.chain])


def _installed_signer() -> LoadedSigner:
    path = p12_path()
    if not path.exists():
        raise SigningNotConfigured(
            f"No signing certificate at {path}: set REPORT_SIGNING_P12 or run "
            "`python manage.py issue_signing_certificate`.")
    stat = path.stat()
    return _load_signer(str(path), stat.st_size, stat.st_mtime_ns, passphrase())


@functools.lru_cache(maxsize=4)
def _load_signer(path: str, size: int, mtime_ns: int, secret: bytes) -> LoadedSigner:
    from pyhanko.sign import signers

    key, cert, chain = pkcs12.load_key_and_certificates(Path(path).read_bytes(), secret)
    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=secret)
    return LoadedSigner(signer, cert, list(chain or []))


STAMP_BOX = (56, 84, 340, 170)  # points, bottom left of the last (signature) page


def outside_event_loop(function, *args, **kwargs):
    """Call a pyHanko entry point that runs its own asyncio loop.

    pyHanko's synchronous API calls asyncio.run(), which fails in a thread that already
    runs an event loop (an ASGI server, or a test driving a browser); such a call is
    moved to a worker thread.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _stamp_pdf(lines: list[str]) -> bytes:
    """The visible stamp as a tiny PDF drawn by WeasyPrint, so its font is embedded.

    (pyHanko's own text stamp with an OpenType font writes a width table that only
    covers one glyph, so readers space the letters far apart.)
    """
    import html

    import weasyprint

    width, height = STAMP_BOX[2] - STAMP_BOX[0], STAMP_BOX[3] - STAMP_BOX[1]
    body = "<br>".join(html.escape(line) for line in lines[1:])
    page = (f"<html><head><style>@page{{size:{width}pt {height}pt;margin:0}}"
            "body{margin:0;font-family:'DejaVu Sans';font-size:8.5pt;line-height:1.3}"
            f"div{{border:1.2pt solid #000;height:{height - 2}pt;padding:5pt 8pt;"
            "box-sizing:border-box}</style></head><body><div>"
            f"<b>{html.escape(lines[0])}</b><br>{body}</div></body></html>")
    from vetting.reports.pdf import refuse_fetch

    return weasyprint.HTML(string=page, url_fetcher=refuse_fetch()).write_pdf()


def sign_pdf(pdf: bytes, *, loaded: LoadedSigner, signer_name: str, reason: str,
             location: str, stamp_lines: list[str]) -> bytes:
    """PAdES B-B signature with a visible stamp on the last page."""
    import tempfile

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    fields.append_signature_field(
        writer, fields.SigFieldSpec("ClinicSignature", on_page=-1, box=STAMP_BOX))
    meta = signers.PdfSignatureMetadata(
        field_name="ClinicSignature", reason=reason[:200], name=signer_name, location=location,
        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as stamp:
        stamp.write(_stamp_pdf(stamp_lines))
        stamp.flush()
        style = StaticStampStyle.from_pdf_file(stamp.name, border_width=0)
        pdf_signer = signers.PdfSigner(meta, signer=loaded.signer, stamp_style=style)
        output = outside_event_loop(pdf_signer.sign_pdf, writer, bytes_reserved=16384)
    return output.getvalue()
