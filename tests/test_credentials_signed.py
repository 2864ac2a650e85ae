"""VC-JWT credentials verified as an outside verifier would (over HTTP, with PyJWT alone), key
rotation, the awards and keys CLI commands, and the PDF certificate."""
from __future__ import annotations

import io
import json
import threading
import urllib.request

import jwt
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.serving import make_server

from talent.credentials import signing
from talent.credentials.models import Award
from talent.credentials.pdf import certificate_pdf
from talent.extensions import db
from tests.credentials_helpers import completed, issued
from talent import clock


@pytest.fixture
def live_server(app, monkeypatch):
    """The app on a real local port, as the outside world sees it."""
    monkeypatch.setitem(app.config, "SERVER_NAME", None)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def fresh_keys(app, tmp_path, monkeypatch):
    """Each test gets its own key folder."""
    monkeypatch.setattr(signing, "keys_dir", lambda: _mkdir(tmp_path / "keys"))
    monkeypatch.setitem(app.config, "SIGNING_KEY", None)
    return tmp_path / "keys"


def _mkdir(path):
    path.mkdir(exist_ok=True)
    return path


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def test_outside_verifier_checks_the_jwt(live_server, factory, fresh_keys):
    award = issued(factory)
    db.session.commit()
    token = _fetch(f"{live_server}/credentials/{award.verification_code}.jwt").decode()
    # An outside verifier: the JWKS over HTTP, PyJWT alone.
    jwks_client = jwt.PyJWKClient(f"{live_server}/.well-known/jwks.json")
    signing_key = jwks_client.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["EdDSA"])
    assert jwt.get_unverified_header(token)["alg"] == "EdDSA"
    assert claims["vc"]["credentialSubject"]["achievement"]["name"] == award.certification.name_en
    assert claims["jti"].endswith(f"/credentials/{award.verification_code}.json")
    plain = json.loads(_fetch(f"{live_server}/credentials/{award.verification_code}.json"))
    assert claims["vc"] == plain
    # A tampered token fails.
    header, payload, signature = token.split(".")
    forged = ".".join([header, payload[:-4] + ("AAAA" if payload[-4:] != "AAAA" else "BBBB"), signature])
    with pytest.raises(jwt.InvalidTokenError):
        jwt.decode(forged, signing_key.key, algorithms=["EdDSA"])


def test_rotation_keeps_old_keys_published(client, factory, fresh_keys):
    award = issued(factory)
    db.session.commit()
    old_token = client.get(f"/credentials/{award.verification_code}.jwt").get_data(as_text=True)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    new_kid = signing.rotate()
    assert new_kid != old_kid
    new_token = client.get(f"/credentials/{award.verification_code}.jwt").get_data(as_text=True)
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    keyset = jwt.PyJWKSet.from_dict(client.get("/.well-known/jwks.json").get_json())
    by_kid = {k.key_id: k for k in keyset.keys}
    assert {old_kid, new_kid} <= set(by_kid)
    for token, kid in ((old_token, old_kid), (new_token, new_kid)):
        jwt.decode(token, by_kid[kid].key, algorithms=["EdDSA"])
    # No private material is published.
    assert all("d" not in k for k in client.get("/.well-known/jwks.json").get_json()["keys"])


def test_configured_signing_key(client, factory, app, fresh_keys, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    monkeypatch.setitem(app.config, "SIGNING_KEY", pem)
    award = issued(factory)
    db.session.commit()
    token = client.get(f"/credentials/{award.verification_code}.jwt").get_data(as_text=True)
    jwt.decode(token, key.public_key(), algorithms=["EdDSA"])
    assert jwt.get_unverified_header(token)["kid"] == signing.kid_of(key.public_key())
    with pytest.raises(RuntimeError):
        signing.rotate()


def test_keys_rotate_command(app, fresh_keys):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["keys", "rotate"])
    second = runner.invoke(args=["keys", "rotate"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    listed = runner.invoke(args=["keys", "list"]).output.split()
    assert len(listed) == 2


def test_awards_issue_command(app, factory):
    enrollment = completed(factory)
    completed(factory, enrollment.cohort, score=5)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["awards", "issue", "--cohort", enrollment.cohort.code])
    assert result.exit_code == 0, result.output
    assert "AZAI-" in result.output and "1 award(s)" in result.output
    again = runner.invoke(args=["awards", "issue", "--cohort", enrollment.cohort.code])
    assert again.exit_code == 0
    db.session.remove()
    assert db.session.scalar(select(func.count(Award.id))) == 1
    missing = runner.invoke(args=["awards", "issue", "--cohort", "NOPE"])
    assert missing.exit_code == 1 and "NOPE" in missing.output


def test_pdf_contains_full_azerbaijani_name(factory):
    trainee = factory.trainee(first_name="Şəhriyar", last_name="Əliyev", patronymic="Ağaxan oğlu")
    award = issued(factory, trainee=trainee, name_az="Süni intellektə giriş", name_en="Intro to AI")
    data = certificate_pdf(award)
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert width > height  # landscape
    assert abs(width - 841.89) < 1 and abs(height - 595.28) < 1  # A4
    text = " ".join(page.extract_text().split())
    assert "Əliyev Şəhriyar Ağaxan oğlu" in text
    assert award.serial in text
    assert "Süni intellektə giriş" in text and "Intro to AI" in text
    assert clock.today().strftime("%d.%m.%Y") in text
    assert f"/verify/{award.verification_code}" in text
