"""Rules of static/css/app.css that decide what a user can see, checked in chromium."""

from pathlib import Path

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
