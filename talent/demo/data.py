"""Fixed inputs of the demo: the course catalog, how many centers each region gets, demo
logins, objectives and the small vocabularies (job titles, reasons) outcomes are drawn from.

Names of people and employers come from ``seeds/demo/``; this module holds what is specific to
the demo's story rather than reference data."""
from __future__ import annotations

DEMO_PASSWORD = "Demo-Talent-2026!"

# region code -> how many centers (DESIGN: at least one in each of the 14 regions, more in Baku)
CENTERS_PER_REGION = {
    "BAKU": 3, "ABSHERON_KHIZI": 2, "GANJA_DASHKASAN": 2, "LANKARAN_ASTARA": 2,
    "SHAKI_ZAGATALA": 2, "CENTRAL_ARAN": 2, "NAKHCHIVAN": 1, "MOUNTAINOUS_SHIRVAN": 1,
    "KARABAKH": 1, "GAZAKH_TOVUZ": 1, "GUBA_KHACHMAZ": 1, "MIL_MUGHAN": 1, "EAST_ZANGEZUR": 1,
    "SHIRVAN_SALYAN": 1,
}
# Baku's centers have their own names; elsewhere "<City> Regional AI Mərkəzi".
BAKU_CENTER_NAMES = [
    ("Bakı", "Bakı Milli Süni İntellekt Mərkəzi"),
    ("Bakı", "Bakı Rəqəmsal Bacarıqlar AI Akademiyası"),
    ("Mərdəkan", "Mərdəkan AI Mərkəzi"),
]

# code, title_az, title_en, level, hours, language, skills, sector, popularity weight,
# certification: (pass mark, min attendance, validity months or None)
COURSES = [
    ("AI-101", "Süni intellektin əsasları", "Foundations of artificial intelligence", "foundation", 40, "az",
     ["AI_FUNDAMENTALS"], "PUBLIC_ADMIN", 14, (60, 75, None)),
    ("PY-110", "Süni intellekt üçün Python", "Python for AI", "foundation", 60, "az",
     ["PYTHON_FOR_AI"], "ICT", 13, (60, 80, 36)),
    ("DA-120", "Verilənlərin təhlili və vizuallaşdırılması", "Data analysis and visualisation", "foundation", 60,
     "az", ["DATA_ANALYSIS", "DATA_VISUALISATION"], "FINANCE", 12, (65, 80, 36)),
    ("ANN-130", "Verilənlərin annotasiyası", "Data annotation and labelling", "foundation", 40, "az",
     ["DATA_ANNOTATION"], "ICT", 8, (60, 75, 24)),
    ("ETH-140", "Süni intellekt etikası və verilənlərin qorunması", "AI ethics and data protection",
     "foundation", 24, "az", ["AI_ETHICS_GOVERNANCE", "DATA_GOVERNANCE_PRIVACY"], "PUBLIC_ADMIN", 6,
     (60, 80, None)),
    ("ML-210", "Maşın öyrənməsi", "Machine learning", "intermediate", 96, "az",
     ["MACHINE_LEARNING", "STATISTICS"], "ICT", 9, (65, 80, 36)),
    ("DE-220", "Verilənlər mühəndisliyi", "Data engineering", "intermediate", 96, "az",
     ["DATA_ENGINEERING", "BIG_DATA"], "ENERGY", 6, (65, 80, 36)),
    ("NLP-230", "Təbii dilin emalı və Azərbaycan dili texnologiyaları",
     "Natural language processing and Azerbaijani language technology", "intermediate", 96, "az",
     ["NLP", "AZ_LANGUAGE_TECH"], "PUBLIC_ADMIN", 6, (65, 80, 36)),
    ("CV-240", "Kompüter görməsi", "Computer vision", "intermediate", 96, "en",
     ["COMPUTER_VISION"], "MANUFACTURING", 5, (65, 80, 36)),
    ("GOV-250", "Dövlət xidmətlərində süni intellekt", "AI for public services", "intermediate", 48, "az",
     ["AI_PUBLIC_SERVICES"], "PUBLIC_ADMIN", 5, (60, 80, 24)),
    ("AGR-260", "Kənd təsərrüfatında geoməkan süni intellekti", "Geospatial AI for agriculture",
     "intermediate", 64, "ru", ["GEOSPATIAL_AI"], "AGRICULTURE", 4, (60, 75, 24)),
    ("OPS-310", "MLOps: modellərin istismarı", "MLOps: deploying and monitoring models", "advanced", 120, "en",
     ["MLOPS", "CLOUD_AI"], "ICT", 3, (70, 80, 24)),
    ("DL-320", "Dərin öyrənmə", "Deep learning", "advanced", 120, "en",
     ["DEEP_LEARNING"], "RESEARCH", 3, (70, 80, 36)),
    ("LLM-330", "Generativ süni intellekt və böyük dil modelləri", "Generative AI and LLM applications",
     "advanced", 80, "en", ["GENAI_LLM", "PROMPT_ENGINEERING"], "FINANCE", 4, (70, 80, 24)),
    ("HPC-340", "Yüksək məhsuldarlıqlı hesablamaların istismarı", "HPC operations", "advanced", 80, "az",
     ["HPC_OPERATIONS"], "ENERGY", 2, (70, 80, None)),
]

WITHDRAWAL_REASONS = [
    "Found a job", "Moved to another city", "Family reasons", "Health reasons",
    "Schedule conflict with work", "Course too demanding", "Started university studies",
    "No longer reachable",
]
CANCEL_REASONS = ["Too few applicants", "Trainer unavailable", "Premises under renovation"]
REVOKE_REASONS = ["Issued in error", "Academic misconduct confirmed on review",
                  "Duplicate of another award"]
FOLLOWUP_NOTES = {
    "looking": ["Applying for jobs", "Interviews scheduled", "Asked for career counselling"],
    "studying": ["Enrolled in a master's programme", "Continuing with an advanced course"],
    "unreachable": ["No answer by phone or email"],
}


# Russian titles of the demo courses (the certificates are named "Сертификат: <title>").
# The public catalog's description of a course (issue 19), per language, from its title, hours and
# level: {title}, {hours}, {level} are filled in by the demo builder.
COURSE_DESCRIPTIONS = {
    "az": ("«{title}» — {hours} saatlıq, {level} səviyyəli kurs. Dərslərdə praktik tapşırıqlar, kiçik "
           "layihə və yekun qiymətləndirmə var; kursu uğurla bitirənlər sertifikat alır."),
    "en": ("“{title}” is a {hours}-hour course at {level} level: hands-on exercises, a small project and a "
           "final assessment. Those who complete it successfully earn a certificate."),
    "ru": ("«{title}» — курс на {hours} часов, уровень: {level}. Практические задания, небольшой проект и "
           "итоговая оценка; успешно окончившие курс получают сертификат."),
}
COURSE_LEVEL_WORDS = {
    "az": {"foundation": "başlanğıc", "intermediate": "orta", "advanced": "irəliləmiş"},
    # (in words a reader uses: the level codes themselves would read as raw codes on az/ru pages
    # that show the English description, such as the course's edit form)
    "en": {"foundation": "introductory", "intermediate": "intermediate", "advanced": "advanced"},
    "ru": {"foundation": "базовый", "intermediate": "средний", "advanced": "продвинутый"},
}

COURSE_TITLES_RU = {
    "AI-101": "Основы искусственного интеллекта",
    "PY-110": "Python для искусственного интеллекта",
    "DA-120": "Анализ и визуализация данных",
    "ANN-130": "Аннотирование и разметка данных",
    "ETH-140": "Этика искусственного интеллекта и защита данных",
    "ML-210": "Машинное обучение",
    "DE-220": "Инженерия данных",
    "NLP-230": "Обработка естественного языка и технологии азербайджанского языка",
    "CV-240": "Компьютерное зрение",
    "GOV-250": "Искусственный интеллект в государственных услугах",
    "AGR-260": "Геопространственный искусственный интеллект в сельском хозяйстве",
    "OPS-310": "MLOps: внедрение и мониторинг моделей",
    "DL-320": "Глубокое обучение",
    "LLM-330": "Генеративный ИИ и большие языковые модели",
    "HPC-340": "Эксплуатация высокопроизводительных вычислений",
}

# ISCO-08 unit groups graduates are placed in, with a job title each, and a weight.
OCCUPATIONS = [
    ("2511", "Systems analyst", 6), ("2512", "Software developer", 10), ("2512", "Machine learning engineer", 9),
    ("2513", "Web developer", 3), ("2514", "Applications programmer", 4), ("2519", "AI solutions analyst", 5),
    ("2521", "Database administrator", 4), ("2521", "Data engineer", 7), ("2522", "Systems administrator", 3),
    ("2529", "Data security specialist", 2), ("2120", "Data scientist", 9), ("2120", "Statistician", 3),
    ("2421", "Business analyst", 5), ("2422", "Digital policy specialist", 2),
    ("2413", "Financial data analyst", 3), ("2434", "AI solutions sales specialist", 1),
    ("2152", "Computer vision engineer", 2), ("2149", "AI research engineer", 2),
    ("3511", "ICT operations technician", 4), ("3512", "ICT user support technician", 3),
    ("3513", "HPC systems technician", 2), ("3514", "Web technician", 1),
    ("3521", "Data annotation specialist", 3),
]
EMPLOYMENT_TYPES = [("full_time", 72), ("part_time", 7), ("contract", 10), ("internship", 9), ("self_employed", 2)]

# (title az, en, ru), metric, scope, scope code, target per 1,000 trainees (counts) or percent (rates),
# baseline per 1,000 (counts) or percent, years from now to the deadline
OBJECTIVES = [
    (("Milli: sertifikatlı süni intellekt mütəxəssisləri", "National: certified AI specialists",
      "Национальная: сертифицированные специалисты по ИИ"), "certified", "national", None, 1600, 0, 4),
    (("Milli: qeydiyyata alınan təlim iştirakçıları", "National: trainees enrolled",
      "Национальная: зачисленные слушатели"), "enrolled", "national", None, 2400, 0, 4),
    (("Milli: bitirmə səviyyəsi", "National: completion rate", "Национальная: доля завершивших"),
     "completion_rate", "national", None, 75, 60, 2),
    (("Bakı: 6 ay ərzində işə düzəlmə səviyyəsi", "Baku: placement rate at 6 months",
      "Баку: трудоустройство за 6 месяцев"), "placement_rate", "region", "BAKU", 70, 50, 2),
    (("Qarabağ: kursu bitirən təlim iştirakçıları", "Karabakh: trainees completing a course",
      "Карабах: слушатели, завершившие курс"), "completed", "region", "KARABAKH", 60, 0, 3),
    (("Təbii dilin emalı: kursu bitirənlər", "Natural language processing: completers",
      "Обработка естественного языка: завершившие"), "completed", "skill", "NLP", 150, 0, 1),
    (("İKT sektoru: işə düzələn məzunlar", "ICT sector: graduates placed",
      "Сектор ИКТ: трудоустроенные выпускники"), "placed", "sector", "ICT", 300, 0, 3),
    (("Milli: 6 ay ərzində işə düzəlmə səviyyəsi", "National: placement rate at 6 months",
      "Национальная: трудоустройство за 6 месяцев"), "placement_rate", "national", None, 65, 45, 4),
]
