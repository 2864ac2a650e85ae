"""The ministry's charts write numbers like the page around them: the y-axis ticks and the tooltip of a
bar in az, en and ru are what Babel writes for the same numbers on the server ("1.234,5" in az,
"1 234,5" in ru, "1,234.5" in en), whatever the browser's own locale (an English browser here) and
whatever locale data Chromium lacks (it has no Azerbaijani number format)."""
from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from talent.extensions import db
from tests.browser_helpers import sign_in
from tests.factories import PASSWORD
from tests.test_browser_journeys import _ministry_data, browser, catalogs, journey, live  # noqa: F401

# Puts a value with thousands and a fraction into the first bar, shows that bar's tooltip, and
# reads back what the chart wrote: the y-axis tick labels and the tooltip's lines.
READ_CHART_JS = """
([id, value]) => {
  const chart = Chart.getChart(document.getElementById(id));
  chart.data.datasets[0].data[0] = value;
  chart.update();
  const bar = chart.getDatasetMeta(0).data[0];
  chart.tooltip.setActiveElements([{datasetIndex: 0, index: 0}], {x: bar.x, y: bar.y});
  chart.update();
  return {ticks: chart.scales.y.ticks.map(t => [t.value, t.label]),
          tooltip: chart.tooltip.body.map(b => b.lines.join(" ")),
          dataset: chart.data.datasets[0].label, locale: chart.options.locale};
}
"""


@pytest.mark.parametrize("language", ["az", "en", "ru"])
def test_ministry_chart_numbers_follow_the_page_language(journey, factory, language):  # noqa: F811
    _ministry_data(factory)
    analyst = factory.user("ministry", email="charts@gov.az")
    db.session.commit()

    j = journey(locale="en-US")
    page = j.page
    sign_in(j, analyst.email, PASSWORD)
    j.goto("/ministry/regions")
    if language != "az" or page.locator("html").get_attribute("lang") != "az":
        page.locator(f".lang-switch button[lang={language}]").click()
        page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == language
    page.locator("canvas#chart-regions").wait_for()

    read = page.evaluate(READ_CHART_JS, ["chart-regions", 1234.5])
    assert read["locale"] == language, read
    expected = f"{read['dataset']}: {format_decimal(1234.5, locale=language)}"
    assert read["tooltip"] == [expected], read
    ticks = read["ticks"]
    assert any(value >= 1000 for value, _label in ticks), ticks  # a tick with a thousands separator
    for value, label in ticks:
        assert label == format_decimal(value, locale=language), (value, label, ticks)
    # The three languages really differ: the check above cannot pass by writing English everywhere.
    assert {"az": "1.234,5", "en": "1,234.5", "ru": "1\xa0234,5"}[language] in read["tooltip"][0]
    j.shot(f"chart-{language}")
    j.assert_clean_console()
