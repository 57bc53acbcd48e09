"""Rules of static/css/app.css that decide what a user can see, checked in chromium."""

from pathlib import Path
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.browser

APP_CSS = (Path(__file__).resolve().parent.parent / "static/css/app.css").read_text()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 375, "height": 800})
    yield context.new_page()
    context.close()


def display(page, selector: str) -> str:
    return page.eval_on_selector(selector, "e => getComputedStyle(e).display")


def test_a_question_that_does_not_apply_folds_unless_it_holds_a_refused_answer(page):
    page.set_content(f"""<style>{APP_CSS}</style>
      <section id="na" class="question-card is-na"><p class="na-note">n/a</p>
        <div class="question-body">folded</div></section>
      <section id="refused" class="question-card is-na"><p class="na-note">n/a</p>
        <div class="question-body"><div class="invalid-feedback d-block">Too long</div></div>
      </section>
      <section id="error" class="question-card is-na"><p class="na-note">n/a</p>
        <div class="question-body"><div class="alert alert-danger">Not saved</div></div>
      </section>
      <section id="applies" class="question-card"><p class="na-note">n/a</p>
        <div class="question-body">open</div></section>""")
    assert display(page, "#na .question-body") == "none"
    assert display(page, "#refused .question-body") == "block"
    assert display(page, "#error .question-body") == "block"
    assert (display(page, "#applies .question-body"), display(page, "#applies .na-note")) == (
        "block", "none")


def test_a_long_standing_badge_wraps_in_its_cell_but_a_nowrap_one_does_not(page):
    page.set_content(f"""<style>{APP_CSS}
      .badge {{ display: inline-block; white-space: nowrap; }}</style>
      <div class="badges" style="width: 120px">
        <span id="long" class="badge">Approved with conditions until 2027-06-30</span>
        <span id="days" class="badge text-nowrap">12 days left in all</span></div>""")
    assert page.eval_on_selector("#long", "e => getComputedStyle(e).whiteSpace") == "normal"
    assert page.eval_on_selector("#long", "e => e.getBoundingClientRect().width") <= 120
    assert page.eval_on_selector("#days", "e => getComputedStyle(e).whiteSpace") == "nowrap"


def test_a_long_unbroken_heading_wraps_instead_of_widening_the_page(page):
    page.set_content(f"""<style>{APP_CSS}</style><main style="width: 300px">
      <div style="display: flex"><h1 id="name">SuperLongVendorNameWithoutAnySpacesRegenerative
      BiotechnologiesInternationalHoldings</h1></div></main>""".replace("\n      Bio", "Bio"))
    assert page.eval_on_selector("#name", "e => e.getBoundingClientRect().width") <= 300
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


def test_the_score_chart_shows_every_bar_and_percentage_whole_on_a_phone(page):
    """At 375 px the chart scrolled sideways in a 317 px card, unmarked: every bar looked
    full and no percentage showed. It scales now: every percentage is inside the card."""
    from django.template.loader import render_to_string

    from vetting.views.workspace import score_chart

    def score(percent):
        return SimpleNamespace(domain_id="3", title="Purification and characterization",
                               percent=percent, applicable=7, complete=4)

    evaluation = SimpleNamespace(scores=[score(57), score(100), score(None)],
                                 reporting_completeness=score(57), clinical_evidence=score(20))
    chart = render_to_string("vetting/assessments/_score_chart.html",
                             {"chart": score_chart(evaluation)})
    page.set_content(f"""<style>{APP_CSS}</style>
      <div id="card" style="width: 317px">{chart}</div>""")
    card = page.eval_on_selector("#card", "e => e.getBoundingClientRect().right")
    rights = page.eval_on_selector_all(".score-chart text",
                                       "els => els.map(e => e.getBoundingClientRect().right)")
    assert rights and max(rights) <= card
    texts = page.eval_on_selector_all(".score-chart text", "els => els.map(e => e.textContent)")
    assert {"57%", "100%", "n/a", "20%"} <= set(texts)
    heights = page.eval_on_selector_all(".score-chart text",
                                        "els => els.map(e => e.getBoundingClientRect().height)")
    assert min(heights) >= 10  # readable: about 11 px text
    assert "57%" in page.eval_on_selector(".score-chart desc", "e => e.textContent")
