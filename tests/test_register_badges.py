"""The register's badges drawn by template tags: what they show, and that they escape."""

import re
from datetime import date
from types import SimpleNamespace

import pytest

from vetting.services.standing import Newest, product_standing
from vetting.templatetags.register_badges import (
    assessment_badges,
    finding_counts,
    standing_badges,
)

TODAY = date(2026, 6, 15)


def test_an_approval_ending_soon_with_a_revetting_and_lots_on_hold():
    s = product_standing(current_state="approved", current_id=1, valid_until=date(2026, 6, 16),
                         newest_state="draft", newest_id=2, lots_on_hold=2, today=TODAY)
    assert standing_badges(s) == (
        '<span class="badge text-bg-success">Approved until 2026-06-16</span> '
        '<span class="badge text-bg-light border text-nowrap">1 day left</span> '
        '<span class="badge text-bg-light border">re-vetting in progress</span> '
        '<span class="badge text-bg-warning">2 lots on hold</span>')


def test_the_last_day_and_a_single_lot():
    s = product_standing(current_state="approved", current_id=1, valid_until=TODAY,
                         lots_on_hold=1, today=TODAY)
    html = standing_badges(s)
    assert "last day today" in html and "1 lot on hold" in html
    assert "re-vetting" not in html


def test_an_assessment_in_progress_is_not_called_a_revetting():
    s = product_standing(current_state=None, newest_state="draft", newest_id=2, today=TODAY)
    assert standing_badges(s) == (
        '<span class="badge text-bg-secondary">Assessment in progress</span>')


def test_assessment_badges_show_state_recommendation_and_counts():
    a = Newest(pk=1, number=1, state="in_review", recommendation="do_not_approve",
               red_count=2, amber_count=0, missing_count=5)
    html = assessment_badges(a)
    assert '<span class="badge reg-state reg-state-in_review">In review</span>' in html
    assert '<span class="badge reg-rec reg-rec-do_not_approve">' in html
    assert '<span class="badge reg-count-RED" title="RED findings">RED 2</span>' in html
    assert '<span class="badge reg-count-zero" title="AMBER findings">AMBER 0</span>' in html
    assert 'title="Questions with no answer">MISSING 5</span>' in html


def test_values_are_escaped():
    s = SimpleNamespace(badge='x" onmouseover="alert(1)', label="<b>", expires_soon=False,
                        open_id=None, code="approved", lots_on_hold=0)
    html = standing_badges(s)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert 'x&quot; onmouseover=&quot;alert(1)' in html
    counts = finding_counts(SimpleNamespace(red_count="<i>", amber_count=0, missing_count=0))
    assert "<i>" not in counts and "&lt;i&gt;" in counts


def test_assessment_values_are_escaped():
    a = SimpleNamespace(state='"><script>', get_state_display=lambda: "<x>",
                        recommendation="r&d", get_recommendation_display=lambda: "y",
                        red_count=0, amber_count=1, missing_count=0)
    html = assessment_badges(a)
    assert "<script>" not in html and "<x>" not in html
    assert 'reg-state-&quot;&gt;&lt;script&gt;"' in html and "reg-rec-r&amp;d" in html


def test_the_urls_rows_write_out_are_the_routes():
    # Register rows and the step navigation write these paths literally (a reverse per
    # row cost more than the row).
    from django.urls import reverse

    assert reverse("product_detail", args=[7]) == "/products/7/"
    assert reverse("vendor_detail", args=[7]) == "/vendors/7/"
    assert reverse("lot_detail", args=[7]) == "/lots/7/"
    assert reverse("assessment_detail", args=[7]) == "/assessments/7/"
    assert reverse("assessment_step", args=[7, "2"]) == "/assessments/7/steps/2/"


@pytest.mark.django_db
def test_written_out_paths_follow_the_prefix_the_site_is_served_under(
        client_for, practitioner, assessment):
    # Under SCRIPT_NAME (a clinic serving the app at /vetting/), every link is under it.
    from django.urls import set_script_prefix

    client = client_for(practitioner)
    product = assessment.product
    pages = ["/", "/products/", "/assessments/", f"/vendors/{product.vendor_id}/",
             f"/products/{product.pk}/", f"/assessments/{assessment.pk}/steps/1/"]
    set_script_prefix("/vetting/")  # what the WSGI handler does with SCRIPT_NAME=/vetting
    try:
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
            content = response.content.decode()
            assert not re.search(r'(href|action)="/(products|vendors|lots|assessments)/',
                                 content), path
            assert f'href="/vetting/assessments/{assessment.pk}/' in content or (
                f'href="/vetting/products/{product.pk}/"' in content), path
    finally:
        set_script_prefix("/")
