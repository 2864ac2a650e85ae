"""The written definition of every figure the ministry sees, in Azerbaijani, English and Russian.

The page (``ministry.definitions``) and the XLSX "Definitions" sheet show all three languages
from :data:`DEFINITIONS` (written here rather than in the gettext catalogs so that every language
is complete and reviewed together). Change a definition here and in the code together.
"""
from __future__ import annotations

from talent.i18n import current_language

# (key, {language: (term, definition)})
DEFINITIONS: list[tuple[str, dict[str, tuple[str, str]]]] = [
    ("period", {
        "en": ("Period", "A calendar year, a quarter or two dates (both included). Days run in Baku time "
                          "(Asia/Baku). Filters by skill, sector and course level select the courses whose "
                          "cohorts, enrollments, awards and placements are counted."),
        "az": ("Dövr", "Təqvim ili, rüb və ya iki tarix (hər ikisi daxil). Günlər Bakı vaxtı ilə hesablanır. "
                       "Bacarıq, sektor və kurs səviyyəsi filtrləri hansı kursların qrupları, qeydiyyatları, "
                       "sertifikatları və işə düzəlmələrinin sayılacağını seçir."),
        "ru": ("Период", "Календарный год, квартал или две даты (обе включительно). Дни считаются по бакинскому "
                         "времени. Фильтры по навыку, сектору и уровню курса выбирают курсы, чьи группы, "
                         "зачисления, сертификаты и трудоустройства учитываются."),
    }),
    ("centers", {
        "en": ("Centers", "Centers that ran at least one cohort of a selected course (not cancelled) whose dates "
                          "overlap the period. Centers are not people and are never suppressed."),
        "az": ("Mərkəzlər", "Dövrlə üst-üstə düşən, seçilmiş kursun ən azı bir (ləğv edilməmiş) qrupunu keçirən "
                            "mərkəzlər. Mərkəzlər şəxs deyil, onların sayı gizlədilmir."),
        "ru": ("Центры", "Центры, проводившие хотя бы одну (не отменённую) группу выбранного курса, даты которой "
                         "пересекаются с периодом. Центры — не люди, их число не скрывается."),
    }),
    ("enrolled", {
        "en": ("Enrolled", "Enrollments whose enrollment date falls in the period and whose status is enrolled, "
                           "completed, failed or withdrawn (everyone who was ever enrolled; applicants and the "
                           "waiting list are not counted). A person in two cohorts counts twice."),
        "az": ("Qeydiyyatda", "Qeydiyyat tarixi dövrə düşən və statusu qeydiyyatda, bitirib, uğursuz və ya "
                              "çıxıb olan qeydiyyatlar (nə vaxtsa qeydiyyata alınan hər kəs; müraciət edənlər və "
                              "gözləmə siyahısı sayılmır). İki qrupda olan şəxs iki dəfə sayılır."),
        "ru": ("Зачислено", "Зачисления с датой зачисления в периоде и статусом «зачислен», «завершил», "
                            "«не сдал» или «отчислен» (все, кто когда-либо был зачислен; заявители и лист "
                            "ожидания не учитываются). Человек в двух группах считается дважды."),
    }),
    ("active", {
        "en": ("Active", "Enrollments still in the status enrolled today, in cohorts whose dates overlap the period."),
        "az": ("Aktiv", "Bu gün hələ də qeydiyyatda statusunda olan, tarixləri dövrlə üst-üstə düşən qruplardakı "
                        "qeydiyyatlar."),
        "ru": ("Активные", "Зачисления, которые сегодня всё ещё в статусе «зачислен», в группах, даты которых "
                           "пересекаются с периодом."),
    }),
    ("completed", {
        "en": ("Completed", "Enrollments completed (status completed) with the completion date in the period."),
        "az": ("Bitirib", "Bitirmə tarixi dövrə düşən, bitirib statusunda olan qeydiyyatlar."),
        "ru": ("Завершили", "Зачисления в статусе «завершил» с датой завершения в периоде."),
    }),
    ("certified", {
        "en": ("Certified", "Awards issued in the period and not revoked (original awards; renewals are not "
                            "counted again)."),
        "az": ("Sertifikatlı", "Dövrdə verilmiş və ləğv edilməmiş sertifikatlar (ilkin sertifikatlar; "
                               "yenilənmələr təkrar sayılmır)."),
        "ru": ("Сертифицированы", "Сертификаты, выданные в периоде и не отозванные (первичные; продления "
                                  "повторно не считаются)."),
    }),
    ("placed", {
        "en": ("Placed / placements", "Placements (jobs) not rejected whose start date falls in the period, of "
                                      "trainees who completed a selected cohort that had started on or before "
                                      "the job's start. Placed counts distinct people; placements counts jobs."),
        "az": ("İşə düzələnlər / iş yerləri", "Başlama tarixi dövrə düşən, rədd edilməmiş iş yerləri; işin "
                                             "başlanğıcından əvvəl və ya həmin gün başlamış seçilmiş qrupu "
                                             "bitirən şəxslərə aiddir. İşə düzələnlər fərqli şəxsləri, iş "
                                             "yerləri isə işləri sayır."),
        "ru": ("Трудоустроены / места работы", "Не отклонённые места работы с датой начала в периоде у "
                                              "выпускников выбранной группы, начавшейся не позже начала работы. "
                                              "«Трудоустроены» — различные люди, «места работы» — работы."),
    }),
    ("market", {
        "en": ("Market mix", "The market of a placement comes from the employer's country: Azerbaijan is the local "
                             "market; the configured neighbouring countries (GE, TR, RU, IR, KZ, UZ, TM, KG, TJ by "
                             "default) are the regional market; every other country is international. Remote work "
                             "counts by the employer's country."),
        "az": ("Bazar bölgüsü", "İş yerinin bazarı işəgötürənin ölkəsinə görə müəyyən edilir: Azərbaycan yerli "
                                "bazardır; qonşu ölkələr (standart olaraq GE, TR, RU, IR, KZ, UZ, TM, KG, TJ) "
                                "regional bazardır; digər ölkələr beynəlxalq bazardır. Məsafədən iş "
                                "işəgötürənin ölkəsinə görə sayılır."),
        "ru": ("Структура рынков", "Рынок места работы определяется страной работодателя: Азербайджан — "
                                   "местный рынок; соседние страны (по умолчанию GE, TR, RU, IR, KZ, UZ, TM, KG, "
                                   "TJ) — региональный; остальные — международный. Удалённая работа считается по "
                                   "стране работодателя."),
    }),
    ("completion_rate", {
        "en": ("Completion rate", "For cohorts whose end date falls in the period: completed ÷ (completed + "
                                  "failed + withdrawn)."),
        "az": ("Bitirmə nisbəti", "Bitmə tarixi dövrə düşən qruplar üzrə: bitirənlər ÷ (bitirənlər + uğursuzlar "
                                  "+ çıxanlar)."),
        "ru": ("Доля завершивших", "Для групп с датой окончания в периоде: завершили ÷ (завершили + не сдали + "
                                   "отчислены)."),
    }),
    ("certification_rate", {
        "en": ("Certification rate", "Of the enrollments completed in the period, the share that hold a valid "
                                     "(not revoked) award for that enrollment on the report date."),
        "az": ("Sertifikatlaşma nisbəti", "Dövrdə bitirilmiş qeydiyyatlardan hesabat tarixində həmin qeydiyyat "
                                          "üzrə etibarlı (ləğv edilməmiş) sertifikatı olanların payı."),
        "ru": ("Доля сертифицированных", "Из зачислений, завершённых в периоде, доля тех, у кого на дату отчёта "
                                          "есть действующий (не отозванный) сертификат по этому зачислению."),
    }),
    ("placement_rate", {
        "en": ("Placement rate at 6 months", "Among completers of cohorts ending in the period whose cohort "
                                             "ended at least 183 days before the report date (today), the share "
                                             "with a placement (not rejected) that started no later than 183 days "
                                             "after the cohort's end and had not ended before the cohort's end. "
                                             "Completers of newer cohorts are shown as pending and are not in "
                                             "the denominator."),
        "az": ("6 ay ərzində işə düzəlmə nisbəti", "Bitmə tarixi dövrə düşən və hesabat tarixindən (bu gün) ən "
                                                   "azı 183 gün əvvəl bitmiş qrupların məzunları arasında, qrupun "
                                                   "bitməsindən ən gec 183 gün sonra başlamış və qrupun "
                                                   "bitməsindən əvvəl bitməmiş (rədd edilməmiş) işi olanların "
                                                   "payı. Daha yeni qrupların məzunları gözləmədə göstərilir və "
                                                   "məxrəcə daxil deyil."),
        "ru": ("Трудоустройство за 6 месяцев", "Среди выпускников групп, окончившихся в периоде не позднее чем "
                                               "за 183 дня до даты отчёта (сегодня), доля тех, у кого есть (не "
                                               "отклонённая) работа, начавшаяся не позже 183 дней после "
                                               "окончания группы и не закончившаяся до окончания группы. "
                                               "Выпускники более новых групп показаны как ожидающие и не входят "
                                               "в знаменатель."),
    }),
    ("regions", {
        "en": ("Regions and drill-down", "Figures are attributed to the economic region and center of the cohort. "
                                         "A person who completed cohorts in two regions counts in each region "
                                         "and once nationally, so distinct-person columns may not add up."),
        "az": ("Regionlar və ətraflı baxış", "Göstəricilər qrupun iqtisadi regionuna və mərkəzinə aid edilir. "
                                             "İki regionda qrup bitirən şəxs hər regionda və ölkə üzrə bir "
                                             "dəfə sayılır, ona görə fərqli şəxs sütunlarının cəmi uyğun "
                                             "gəlməyə bilər."),
        "ru": ("Регионы и детализация", "Показатели относятся к экономическому району и центру группы. Человек, "
                                        "окончивший группы в двух районах, считается в каждом районе и один раз "
                                        "по стране, поэтому столбцы различных людей могут не складываться."),
    }),
    ("fairness", {
        "en": ("Fairness", "Completion, certification and placement rates by gender, by age band (age on the "
                           "first day of the enrollment's cohort, so a person stays in one band for that course "
                           "whatever period is chosen: under 25, 25–34, 35–44, 45 and over) and by home region (Baku "
                           "versus all other regions). The gap is the group's rate minus the overall rate, in "
                           "percentage points; it is flagged when its size exceeds the configured threshold (10 "
                           "points by default)."),
        "az": ("Ədalətlilik", "Bitirmə, sertifikatlaşma və işə düzəlmə nisbətləri cinsə, yaş qrupuna (qeydiyyatın "
                              "aid olduğu qrupun ilk günündəki yaş — hansı dövr seçilsə də, şəxs həmin kurs üçün "
                              "bir yaş qrupunda qalır: 25-dən az, 25–34, 35–44, 45 və yuxarı) və yaşayış regionuna (Bakı və "
                              "digər regionlar) görə. Fərq qrupun nisbəti ilə ümumi nisbət arasındakı faiz "
                              "bəndidir; həddi (standart 10 bənd) aşdıqda qeyd olunur."),
        "ru": ("Справедливость", "Доли завершивших, сертифицированных и трудоустроенных по полу, по возрастной "
                                 "группе (возраст в первый день учебной группы, к которой относится зачисление, — "
                                 "при любом выбранном периоде человек остаётся в одной возрастной группе для этого "
                                 "курса: до 25, 25–34, 35–44, 45 и старше) и по "
                                 "региону проживания (Баку и остальные регионы). Разрыв — доля группы минус общая "
                                 "доля в процентных пунктах; отмечается, если превышает порог (по умолчанию 10 "
                                 "пунктов)."),
    }),
    ("mobility", {
        "en": ("Mobility", "Placements starting in the period by where the job is, for the region of the center "
                           "where the trainee completed. Abroad: regional or international market. In Azerbaijan: "
                           "the employer's city is matched (ignoring case) to a region through the reference list "
                           "of each region's main cities and the cities of the centers; same region, Baku, "
                           "elsewhere in Azerbaijan, or region unknown when the city is missing or not in the "
                           "list."),
        "az": ("Mobillik", "Dövrdə başlayan iş yerləri, məzunun bitirdiyi mərkəzin regionu üzrə, işin yerinə görə. "
                           "Xaricdə: regional və ya beynəlxalq bazar. Azərbaycanda: işəgötürənin şəhəri "
                           "regionların əsas şəhərləri siyahısı və mərkəzlərin şəhərləri ilə (hərf ölçüsünə "
                           "baxmadan) regiona uyğunlaşdırılır: eyni region, Bakı, Azərbaycanın başqa yeri və ya "
                           "şəhər boşdursa və ya siyahıda yoxdursa, region naməlum."),
        "ru": ("Мобильность", "Места работы, начавшиеся в периоде, по месту работы, для региона центра, где "
                              "выпускник окончил обучение. За рубежом: региональный или международный рынок. В "
                              "Азербайджане город работодателя сопоставляется (без учёта регистра) с регионом по "
                              "списку основных городов регионов и городам центров: тот же регион, Баку, другое "
                              "место в Азербайджане или регион неизвестен, если город не указан или не в списке."),
    }),
    ("trends", {
        "en": ("Trends", "Per calendar quarter of the period: enrollments (enrollment date), completions "
                         "(completion date), awards (issue date, not revoked) and placements (start date) with "
                         "their market mix."),
        "az": ("Dinamika", "Dövrün hər təqvim rübü üzrə: qeydiyyatlar (qeydiyyat tarixi), bitirmələr (bitirmə "
                           "tarixi), sertifikatlar (vermə tarixi, ləğv edilməmiş) və iş yerləri (başlama tarixi) "
                           "bazar bölgüsü ilə."),
        "ru": ("Динамика", "По каждому календарному кварталу периода: зачисления (дата зачисления), завершения "
                           "(дата завершения), сертификаты (дата выдачи, не отозванные) и места работы (дата "
                           "начала) со структурой рынков."),
    }),
    ("objectives", {
        "en": ("Objectives", "Counts are cumulative: the baseline value plus every event from 1 January of the "
                             "baseline year to today, within the objective's scope. Rates are the rate over the "
                             "12 months before today. The projection extends the straight line from the baseline "
                             "(1 January of the baseline year) through today's value to 31 December of the "
                             "deadline year: on track when it reaches the target, at risk when it reaches at least "
                             "80% of the way from the baseline to the target, behind otherwise. After the deadline: "
                             "achieved or missed."),
        "az": ("Hədəflər", "Saylar məcmudur: baza dəyəri üstəgəl baza ilinin 1 yanvarından bu günə qədər hədəfin "
                           "əhatəsindəki hər hadisə. Nisbətlər son 12 ay üzrə nisbətdir. Proqnoz bazadan (baza "
                           "ilinin 1 yanvarı) bugünkü dəyərdən keçən düz xətti son ilin 31 dekabrına qədər uzadır: "
                           "hədəfə çatırsa plan üzrə, bazadan hədəfə qədər yolun ən azı 80%-nə çatırsa risk "
                           "altında, əks halda geridə. Son tarixdən sonra: çatılıb və ya çatılmayıb."),
        "ru": ("Цели", "Количества накопительные: базовое значение плюс все события с 1 января базового года по "
                       "сегодняшний день в рамках цели. Доли — за 12 месяцев до сегодняшнего дня. Прогноз "
                       "продолжает прямую от базы (1 января базового года) через сегодняшнее значение до 31 декабря "
                       "года срока: «по плану», если достигает цели; «под угрозой», если проходит не менее 80% пути "
                       "от базы до цели; иначе «отстаёт». После срока: достигнута или не достигнута."),
    }),
    ("suppression", {
        "en": ("Published figures (disclosure control)",
               "To protect people, every count of people is published with a small, fixed disturbance (the "
               "cell-key method of the ABS TableBuilder and the ONS 2021 Census tables): each person's record "
               "carries a secret random key, and the published value is the true count plus an adjustment "
               "between −5 and +5 (mostly −2 to +2; none in about 3 cases of 10) chosen by the count and the "
               "sum of its people's keys. A count of events in a period (enrollments, completions, awards, "
               "placements) is published as the difference of two such running totals counted from 1 January "
               "of the period's first year, at the end of the period and just before it, so it is within "
               "±10 of the true count (usually ±3; ±5 for a period starting on 1 January) and consecutive "
               "periods of a year add up exactly. The same people always give the same published value — on every "
               "page, in every period and filter, in exports and in the API — so asking again or subtracting "
               "overlapping figures cannot reveal a small number exactly. A count that would be published below "
               "k (k = 5 unless configured otherwise) is shown as “<5”; 0 means nobody. Totals are published "
               "the same way from their own people, so rows need not add up exactly to their total. A rate is "
               "computed from the published numerator and denominator and shown only when the published "
               "denominator is at least k and the numerator is shown; otherwise “x”. “—” means there is nothing "
               "to divide by. Centers are not people and are shown exactly. Exports show exactly what the "
               "screen shows."),
        "az": ("Dərc olunan rəqəmlər (məxfiliyin qorunması)",
               "Şəxsləri qorumaq üçün şəxslərin hər sayı kiçik, sabit düzəlişlə dərc olunur (ABS TableBuilder "
               "və ONS 2021 siyahıyaalma cədvəllərinin hüceyrə açarı üsulu): hər şəxsin qeydinin gizli təsadüfi "
               "açarı var, dərc olunan dəyər isə həqiqi say üstəgəl −5 ilə +5 arasında düzəlişdir (əsasən −2 ilə "
               "+2 arasında; təxminən 10 haldan 3-də düzəliş yoxdur); düzəliş sayla və həmin şəxslərin "
               "açarlarının cəmi ilə seçilir. Dövrdəki hadisələrin sayı (qeydiyyatlar, bitirmələr, sertifikatlar, "
               "işə düzəlmələr) dövrün ilk ilinin 1 yanvarından sayılan iki belə artan yekunun — dövrün "
               "sonunda və dövrdən bir gün əvvəl — fərqi kimi dərc olunur, ona görə həqiqi saydan ±10 "
               "daxilində fərqlənir (adətən ±3; 1 yanvardan başlayan dövr üçün ±5), bir ilin ardıcıl "
               "dövrlərinin cəmi isə tam üst-üstə düşür. Eyni şəxslər həmişə eyni dərc olunan dəyəri verir — hər səhifədə, "
               "hər dövr və filtrdə, ixraclarda və API-də — ona görə yenidən soruşmaq və ya üst-üstə düşən "
               "rəqəmləri bir-birindən çıxmaq kiçik rəqəmi dəqiq üzə çıxara bilməz. k-dan (başqa cür təyin "
               "edilməyibsə k = 5) kiçik dərc olunacaq say “<5” kimi göstərilir; 0 heç kimin olmadığını "
               "bildirir. Yekunlar da öz şəxslərinə görə eyni qaydada dərc olunur, ona görə sətirlərin cəmi "
               "yekuna tam bərabər olmaya bilər. Nisbət dərc olunmuş surət və məxrəcdən hesablanır və yalnız "
               "dərc olunmuş məxrəc ən azı k olduqda və surət göstərildikdə göstərilir; əks halda “x”. “—” "
               "bölmək üçün heç nə olmadığını bildirir. Mərkəzlər şəxs deyil və dəqiq göstərilir. İxraclar "
               "ekranda göstərilənin eynisini göstərir."),
        "ru": ("Публикуемые числа (защита данных)",
               "Для защиты людей каждое количество людей публикуется с небольшим постоянным искажением (метод "
               "ключей ячеек, как в ABS TableBuilder и таблицах переписи ONS 2021): у записи каждого человека "
               "есть секретный случайный ключ, а публикуемое значение — истинное количество плюс поправка от −5 "
               "до +5 (обычно от −2 до +2; примерно в 3 случаях из 10 поправки нет), выбранная по количеству и "
               "сумме ключей этих людей. Число событий за период (зачислений, завершений, сертификатов, "
               "трудоустройств) публикуется как разность двух таких нарастающих итогов, считаемых с 1 января "
               "первого года периода, — на конец периода и на день до его начала, поэтому оно отличается "
               "от истинного не более чем на ±10 (обычно на ±3; на ±5 для периода, начинающегося 1 января), "
               "а последовательные периоды одного года складываются точно. Одни и те же люди всегда дают одно и то же публикуемое значение — на "
               "каждой странице, в любом периоде и фильтре, в выгрузках и в API, — поэтому повторный запрос или "
               "вычитание пересекающихся чисел не раскрывает малое число точно. Количество, которое было бы "
               "опубликовано меньше k (k = 5, если не задано иное), показывается как «<5»; 0 означает, что "
               "людей нет. Итоги публикуются так же, по их собственным людям, поэтому строки могут не "
               "складываться точно в итог. Доля вычисляется из опубликованных числителя и знаменателя и "
               "показывается, только если опубликованный знаменатель не меньше k и числитель показан; иначе "
               "«x». «—» означает, что делить не на что. Центры — не люди и показываются точно. Выгрузки "
               "показывают ровно то же, что и экран."),
    }),
]

def translated() -> list[tuple[str, str, str]]:
    """(key, term, definition) in the current interface language."""
    return in_language(current_language())


def in_language(language: str) -> list[tuple[str, str, str]]:
    """(key, term, definition) from the written az/en/ru texts."""
    return [(key, *texts.get(language, texts["en"])) for key, texts in DEFINITIONS]


def suppression_note(k: int, language: str = "en") -> str:
    """The disclosure-control paragraph for exports, in one language, with the configured k."""
    text = dict((key, texts) for key, texts in DEFINITIONS)["suppression"][language][1]
    for default in ("k = 5 unless configured otherwise", "başqa cür təyin edilməyibsə k = 5",
                    "k = 5, если не задано иное"):
        text = text.replace(default, f"k = {k}")
    return text.replace("“<5”", f"“<{k}”").replace("«<5»", f"«<{k}»")


# The outcome indicators (issue 20), written in their own module.
from talent.reporting.outcome_definitions import OUTCOME_DEFINITIONS  # noqa: E402

DEFINITIONS.extend(OUTCOME_DEFINITIONS)
