"""The consent an applicant gives to the processing of their data, versioned: the version string
is stored with every application, so what each person agreed to stays known when the text
changes (a new text gets a new version; old versions stay here)."""
from __future__ import annotations

CONSENT_VERSION = "2026-12-v1"

CONSENT_TEXTS: dict[str, dict[str, str]] = {
    "2026-12-v1": {
        "az": ("Süni İntellekt Təlim Mərkəzinin bu proqrama qəbul üçün şəxsiyyət məlumatlarımı (FİN, doğum tarixi, "
               "ad, soyad, ata adı, cins, yaşadığım region, təhsil səviyyəsi) və əlaqə məlumatlarımı emal etməsinə "
               "razıyam. Məlumatlar yalnız müraciətə baxılması, qəbul olunduqda təlimin təşkili və anonim dövlət "
               "statistikası üçün istifadə olunur və üçüncü şəxslərə satılmır."),
        "en": ("I agree that the AI Talent Center processes my identity data (FIN, birth date, first, last and "
               "father's name, gender, home region, education level) and my contact details to review this "
               "application and, if I am accepted, to organise my training and anonymous national statistics. "
               "The data is used for nothing else and never sold to third parties."),
        "ru": ("Я согласен(на) на обработку Центром талантов ИИ моих персональных данных (FIN, дата рождения, имя, "
               "фамилия, отчество, пол, регион проживания, уровень образования) и контактных данных для "
               "рассмотрения этой заявки и, если я буду принят(а), для организации обучения и анонимной "
               "государственной статистики. Данные не используются для других целей и не передаются третьим лицам."),
    },
}


def consent_text(language: str, version: str = CONSENT_VERSION) -> str:
    texts = CONSENT_TEXTS[version]
    return texts.get(language) or texts["az"]
