"""The printable certificate: A4 landscape, Azerbaijani and English, with a QR code to the public
verification page. DejaVu fonts (vendored in static/fonts) render the Azerbaijani letters."""
from __future__ import annotations

import io
from pathlib import Path

import segno
from flask import current_app
from fpdf import FPDF

from talent.credentials.models import Award
from talent.credentials.openbadges import ISSUER_NAME_AZ, ISSUER_NAME_EN, verify_url

LEVELS = {"foundation": ("Başlanğıc", "Foundation"), "intermediate": ("Orta", "Intermediate"),
          "advanced": ("Qabaqcıl", "Advanced")}


def _fonts_dir() -> Path:
    return Path(current_app.static_folder) / "fonts"


def _date(day) -> str:
    return day.strftime("%d.%m.%Y") if day else "—"


def certificate_pdf(award: Award) -> bytes:
    trainee, cert, center = award.trainee, award.certification, award.center
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_title(f"{cert.name_en} — {award.serial}")
    pdf.set_author(ISSUER_NAME_EN)
    pdf.set_creator("talent")
    fonts = _fonts_dir()
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.add_page()
    width = pdf.w

    # Frame
    pdf.set_draw_color(13, 71, 161)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, width - 16, pdf.h - 16)
    pdf.set_line_width(0.3)
    pdf.rect(11, 11, width - 22, pdf.h - 22)

    def centred(text: str, size: float, style: str = "", gap: float = 2, color=(33, 37, 41)):
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*color)
        pdf.set_x(20)
        pdf.multi_cell(width - 40, size * 0.45, text, align="C")
        pdf.ln(gap)

    pdf.set_y(20)
    centred(ISSUER_NAME_AZ, 11, color=(13, 71, 161), gap=0)
    centred(ISSUER_NAME_EN, 9, color=(90, 90, 90), gap=6)
    centred("SERTİFİKAT", 30, "B", gap=0, color=(13, 71, 161))
    centred("CERTIFICATE", 14, "B", gap=6, color=(90, 90, 90))
    centred("Bu sertifikat təsdiq edir ki / This certifies that", 11, gap=3)
    centred(trainee.full_name, 24, "B", gap=4)
    centred("uğurla başa vurmuş və aşağıdakı sertifikatı qazanmışdır / "
            "has successfully completed and earned", 11, gap=3)
    centred(cert.name_az, 17, "B", gap=1)
    centred(cert.name_en, 13, gap=3, color=(90, 90, 90))
    level_az, level_en = LEVELS.get(cert.level, (cert.level, cert.level))
    centred(f"Səviyyə / Level: {level_az} / {level_en}", 10, gap=1)
    centred(f"Mərkəz / Center: {center.name}, {center.city}", 10, gap=1)

    # Details block (bottom left) and QR code (bottom right)
    pdf.set_font("DejaVu", "", 10)
    pdf.set_text_color(33, 37, 41)
    lines = [
        f"Seriya nömrəsi / Serial number: {award.serial}",
        f"Verilmə tarixi / Issued on: {_date(award.issued_on)}",
        f"Etibarlıdır / Valid until: {_date(award.expires_on) if award.expires_on else 'müddətsiz / no expiry'}",
        f"Yoxlama kodu / Verification code: {award.verification_code}",
    ]
    y = pdf.h - 52
    for line in lines:
        pdf.set_xy(22, y)
        pdf.cell(180, 6, line)
        y += 6.5
    url = verify_url(award)
    pdf.set_xy(22, y)
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(90, 90, 90)
    pdf.cell(180, 5, f"Yoxlayın / Verify: {url}", link=url)

    qr = segno.make(url, error="m")
    image = io.BytesIO()
    qr.save(image, kind="png", scale=8, border=2)
    image.seek(0)
    size = 40
    pdf.image(image, x=width - 22 - size, y=pdf.h - 22 - size, w=size, h=size)
    return bytes(pdf.output())
