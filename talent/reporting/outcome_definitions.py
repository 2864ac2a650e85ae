"""The written definitions of the outcome indicators (issue 20) in Azerbaijani, English and Russian:
shown on the outcomes page and appended to the definitions page and the XLSX "Definitions" sheet
(:data:`talent.reporting.definitions.DEFINITIONS`). Change them with talent/reporting/outcomes.py."""
from __future__ import annotations

OUTCOME_DEFINITIONS: list[tuple[str, dict[str, tuple[str, str]]]] = [
    ("outcome_exit", {
        "en": ("Exiters (outcomes)",
               "Enrollments that ended completed, failed or withdrawn, of people who were enrolled, in cohorts "
               "that were not cancelled, whose exit date falls in the period. The exit date is the cohort's end "
               "date for completed and failed; for withdrawn the date of the withdrawal in Baku time (the cohort's "
               "end date if none was recorded). A withdrawal before the cohort started is not an exit. A person "
               "who leaves two cohorts counts twice. Quarters are calendar quarters of the exit date, in Baku "
               "time."),
        "az": ("Təhsildən çıxanlar (nəticələr)",
               "Qeydiyyata alınmış şəxslərin ləğv edilməmiş qruplardakı, bitirib, uğursuz və ya çıxıb statusu ilə "
               "başa çatan və çıxış tarixi dövrə düşən qeydiyyatları. Çıxış tarixi bitirənlər və uğursuzlar üçün "
               "qrupun bitmə tarixidir; çıxanlar üçün Bakı vaxtı ilə çıxma tarixi (qeyd edilməyibsə, qrupun bitmə "
               "tarixi). Qrup başlamazdan əvvəl çıxma çıxış sayılmır. İki qrupdan çıxan şəxs iki dəfə sayılır. "
               "Rüblər çıxış tarixinin Bakı vaxtı ilə təqvim rübləridir."),
        "ru": ("Выбывшие (результаты)",
               "Зачисления зачисленных людей в неотменённых группах, завершившиеся статусом «завершил», «не сдал» "
               "или «отчислен», с датой выбытия в периоде. Дата выбытия — дата окончания группы для завершивших "
               "и не сдавших; для отчисленных — дата отчисления по бакинскому времени (дата окончания группы, "
               "если она не записана). Отчисление до начала группы выбытием не считается. Человек, выбывший из "
               "двух групп, считается дважды. Кварталы — календарные кварталы даты выбытия по бакинскому времени."),
    }),
    ("outcome_employment", {
        "en": ("Employment rate in the 2nd and 4th quarter after exit",
               "Exiters with a job (a placement that was not rejected) held at any time during the 2nd (4th) "
               "calendar quarter after the exit quarter — started on or before its last day and not ended before "
               "its first — over the exiters measured: those whose 2nd (4th) quarter after exit has ended by the "
               "report date (the other exiters are not yet measured and are left out of both)."),
        "az": ("Çıxışdan sonrakı 2-ci və 4-cü rübdə məşğulluq səviyyəsi",
               "Çıxış rübündən sonrakı 2-ci (4-cü) təqvim rübündə istənilən vaxt işi (rədd edilməmiş işə düzəlmə) "
               "olan — həmin rübün son günü və ya ondan əvvəl başlamış və ilk günündən əvvəl bitməmiş — çıxanların "
               "ölçülən çıxanlara nisbəti: ölçülənlər çıxışdan sonrakı 2-ci (4-cü) rübü hesabat tarixinə qədər "
               "başa çatmış şəxslərdir (digərləri hələ ölçülmür və hər iki saydan kənarda qalır)."),
        "ru": ("Уровень занятости во 2-м и 4-м квартале после выбытия",
               "Выбывшие, у которых была работа (не отклонённое трудоустройство) в любой момент 2-го (4-го) "
               "календарного квартала после квартала выбытия — начата не позже его последнего дня и не окончена "
               "до его первого дня, — к числу измеряемых выбывших: тех, у кого 2-й (4-й) квартал после выбытия "
               "закончился к дате отчёта (остальные ещё не измеряются и не входят ни в одно из чисел)."),
    }),
    ("outcome_median_pay", {
        "en": ("Median monthly pay in the 2nd quarter after exit (AZN)",
               "For each exiter employed in the 2nd quarter after exit with a pay recorded, the highest monthly "
               "pay (AZN) of the jobs held in that quarter; the median of those amounts (the mean of the middle "
               "two for an even number), rounded to 10 AZN. Withheld (“x”) when fewer than k people are behind it "
               "or their published count is withheld."),
        "az": ("Çıxışdan sonrakı 2-ci rübdə orta (median) aylıq əmək haqqı (AZN)",
               "Çıxışdan sonrakı 2-ci rübdə işləyən və əmək haqqı qeyd edilmiş hər çıxan üçün həmin rübdə tutduğu "
               "işlərin ən yüksək aylıq əmək haqqı (AZN); bu məbləğlərin medianı (cüt sayda ortadakı ikisinin "
               "ortası), 10 AZN-ə yuvarlaqlaşdırılır. Arxasında k nəfərdən az adam olduqda və ya onların dərc "
               "edilən sayı gizlədildikdə göstərilmir (“x”)."),
        "ru": ("Медианная месячная зарплата во 2-м квартале после выбытия (AZN)",
               "Для каждого выбывшего, работавшего во 2-м квартале после выбытия с записанной зарплатой, — "
               "наибольшая месячная зарплата (AZN) среди работ в этом квартале; медиана этих сумм (среднее двух "
               "средних при чётном числе), округлённая до 10 AZN. Не показывается («x»), если за ней меньше k "
               "человек или их опубликованное число скрыто."),
    }),
    ("outcome_credential", {
        "en": ("Credential attainment within a year of exit",
               "Exiters whose enrollment has an award (not revoked) issued on or before one year after the exit "
               "date, over everyone who exited and whose year after exit has passed by the report date."),
        "az": ("Çıxışdan sonra bir il ərzində sertifikat alma",
               "Qeydiyyatına çıxış tarixindən bir il keçənədək (həmin gün daxil) verilmiş və ləğv edilməmiş "
               "sertifikatı olan çıxanların, çıxışdan sonrakı ili hesabat tarixinə qədər keçmiş bütün çıxanlara "
               "nisbəti."),
        "ru": ("Получение сертификата в течение года после выбытия",
               "Выбывшие, по зачислению которых выдан (и не отозван) сертификат не позднее чем через год после "
               "даты выбытия, ко всем выбывшим, у которых год после выбытия прошёл к дате отчёта."),
    }),
    ("outcome_market", {
        "en": ("Outcomes by market",
               "Only the employment indicators have a market (local, regional or international, by the employer's "
               "country): an exiter counts in a market when a job of that market was held in the quarter (in each "
               "market where they held one), over all exiters measured; the median pay uses the jobs of that "
               "market. Credentials have no market. The breakdowns by region and center use the cohort's center, "
               "by course level the cohort's course, by gender the person's."),
        "az": ("Bazarlar üzrə nəticələr",
               "Bazar (işəgötürənin ölkəsinə görə yerli, regional və ya beynəlxalq) yalnız məşğulluq "
               "göstəricilərinə aiddir: rübdə həmin bazarın işi olan çıxan həmin bazarda sayılır (işi olduğu hər "
               "bazarda), məxrəc bütün ölçülən çıxanlardır; median əmək haqqı həmin bazarın işlərindən hesablanır. "
               "Sertifikatların bazarı yoxdur. Region və mərkəz üzrə bölgü qrupun mərkəzinə, kurs səviyyəsi üzrə "
               "qrupun kursuna, cins üzrə şəxsin özünə görədir."),
        "ru": ("Результаты по рынкам",
               "Рынок (местный, региональный или международный, по стране работодателя) есть только у показателей "
               "занятости: выбывший учитывается на рынке, если в квартале у него была работа этого рынка (на "
               "каждом таком рынке), знаменатель — все измеряемые выбывшие; медианная зарплата — по работам этого "
               "рынка. У сертификатов рынка нет. Разбивки по регионам и центрам — по центру группы, по уровню — по "
               "курсу группы, по полу — по самому человеку."),
    }),
]
