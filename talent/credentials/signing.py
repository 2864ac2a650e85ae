"""Ed25519 signing keys for VC-JWT credentials, and the public key set (JWKS).

The current private key comes from ``app.config["SIGNING_KEY"]`` (``TALENT_SIGNING_KEY``, a PEM)
when set; otherwise one is generated on first use into ``instance/signing_keys/``. Every public
key ever used stays published in the JWKS (``instance/signing_keys/*.pub.pem``), so credentials
signed before a rotation still verify. Each key is named by its ``kid``: the RFC 7638 JWK
thumbprint of its public key.

Several application servers must share the key: in production set ``TALENT_SIGNING_KEY``
(the instance folder is per server).
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from flask import current_app

ALGORITHM = "EdDSA"
_CURRENT = "current"


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: Ed25519PrivateKey


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_jwk(public_key: Ed25519PublicKey) -> dict[str, str]:
    x = _b64url(_raw_public(public_key))
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid_of(public_key), "alg": ALGORITHM,
            "use": "sig"}


def kid_of(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 thumbprint of the public JWK."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": _b64url(_raw_public(public_key))}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return _b64url(hashlib.sha256(canonical).digest())


def keys_dir() -> Path:
    path = Path(current_app.instance_path) / "signing_keys"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def _pem_private(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _pem_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_new(path: Path, data: bytes, mode: int = 0o600) -> bool:
    """Create ``path`` with ``data`` unless it exists; True when this call created it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return True


def _publish(public_key: Ed25519PublicKey) -> str:
    kid = kid_of(public_key)
    _write_new(keys_dir() / f"{kid}.pub.pem", _pem_public(public_key), 0o644)
    return kid


def _load_private(pem: str | bytes) -> Ed25519PrivateKey:
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("TALENT_SIGNING_KEY must be an Ed25519 private key in PEM format")
    return key


def _generate() -> str:
    """Create a new key pair in the instance folder; returns its kid."""
    key = Ed25519PrivateKey.generate()
    kid = _publish(key.public_key())
    _write_new(keys_dir() / f"{kid}.pem", _pem_private(key))
    return kid


def current_key() -> SigningKey:
    configured = current_app.config.get("SIGNING_KEY")
    if configured:
        key = _load_private(configured)
        return SigningKey(_publish(key.public_key()), key)
    directory = keys_dir()
    marker = directory / _CURRENT
    if not marker.exists():
        kid = _generate()
        # Another process may have won the race: its key becomes current, ours stays published.
        _write_new(marker, kid.encode())
    kid = marker.read_text().strip()
    key = _load_private((directory / f"{kid}.pem").read_bytes())
    return SigningKey(kid, key)


def rotate() -> str:
    """Make a new key current; old public keys stay published, the old private key is deleted.
    Refuses when the key comes from the configuration."""
    if current_app.config.get("SIGNING_KEY"):
        raise RuntimeError("The signing key comes from TALENT_SIGNING_KEY: replace it there "
                           "(the old public key stays published).")
    directory = keys_dir()
    marker = directory / _CURRENT
    old = marker.read_text().strip() if marker.exists() else None
    kid = _generate()
    tmp = directory / f".{kid}.current"
    tmp.write_text(kid)
    os.replace(tmp, marker)
    if old and old != kid:
        (directory / f"{old}.pem").unlink(missing_ok=True)
    return kid


def published_keys() -> list[dict[str, str]]:
    """Every public key that signed (or signs) credentials, as JWKs; the current one first."""
    current = current_key()
    keys = {current.kid: public_jwk(current.private_key.public_key())}
    for path in sorted(keys_dir().glob("*.pub.pem")):
        public = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(public, Ed25519PublicKey):
            keys.setdefault(kid_of(public), public_jwk(public))
    return list(keys.values())


def jwks() -> dict[str, Any]:
    return {"keys": published_keys()}


def sign(claims: dict[str, Any], *, typ: str = "JWT") -> str:
    key = current_key()
    return jwt.encode(claims, key.private_key, algorithm=ALGORITHM, headers={"kid": key.kid, "typ": typ})
