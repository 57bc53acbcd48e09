"""The dashboard's sections: my open assessments, waiting for me, recent decisions, lots on
hold, counts."""

import re
from datetime import timedelta

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import PASSWORD
from tests.test_lots_services import record
from vetting.models import Assessment, AuditEntry, Decision, Product
from vetting.services import lots
from vetting.views import system

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_assessment(product, checklist_version):
    """An assessment in a given state, on its own product of the `product` vendor."""
    counter = {"n": 0}

    def make(user, state="draft", **fields):
        counter["n"] += 1
        target = Product.objects.create(vendor=product.vendor, name=f"Product {counter['n']}",
                                        category="exosome_ev", form="topical")
        return Assessment.objects.create(product=target, checklist_version=checklist_version,
                                         number=1, created_by=user, state=state, **fields)

    return make


def decide(assessment, signer, *, days_ago=0, outcome="approved"):
    return Decision.objects.create(
        assessment=assessment, outcome=outcome, recommendation="no_objections", red_count=0,
        amber_count=0, missing_count=0, signed_by=signer, signer_name=f"Dr {signer.username}",
        signer_role="reviewer", signed_at=timezone.now() - timedelta(days=days_ago),
        meaning="approved", content_sha256="0" * 64)


def dashboard(client_for, user):
    response = client_for(user).get("/")
    assert response.status_code == 200
    return response


# Refusals

def test_a_user_without_a_role_is_refused(client_for, norole_user):
    assert client_for(norole_user).get("/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    assert client.get("/")["Location"] == "/accounts/login/?next=/"


def test_post_is_refused_and_writes_nothing(client_for, practitioner):
    assert client_for(practitioner).post("/").status_code == 405
    assert not AuditEntry.objects.exists()


# My open assessments

def test_my_open_assessments_lists_mine_in_open_states(client_for, practitioner, reviewer,
                                                       make_assessment):
    draft = make_assessment(practitioner, "draft")
    review = make_assessment(practitioner, "in_review")
    make_assessment(practitioner, "approved")
    make_assessment(practitioner, "withdrawn")
    make_assessment(reviewer, "draft")
    response = dashboard(client_for, practitioner)
    assert set(response.context["dash"].mine_recent) == {draft, review}
    assert response.context["dash"].mine_count == 2


def test_my_open_assessments_are_counted_by_state_with_links_to_the_list(
        client_for, practitioner, make_assessment):
    make_assessment(practitioner, "awaiting_vendor")
    make_assessment(practitioner, "awaiting_vendor")
    response = dashboard(client_for, practitioner)
    counts = {value: total for value, _label, total in response.context["dash"].mine_by_state}
    assert counts["awaiting_vendor"] == 2 and counts["draft"] == 0
    content = response.content.decode()
    assert 'href="/assessments/?owner=me&amp;state=awaiting_vendor"' in content
    assert 'href="/assessments/?owner=me&amp;state=draft"' not in content  # none in draft


def test_the_most_recently_changed_are_listed_but_all_are_counted(client_for, practitioner,
                                                                  make_assessment):

    made = [make_assessment(practitioner, "draft") for _ in range(system.DASHBOARD_LIMIT + 2)]
    for days_ago, a in enumerate(made):
        Assessment.objects.filter(pk=a.pk).update(
            state_changed_at=timezone.now() - timedelta(days=days_ago))
    response = dashboard(client_for, practitioner)
    assert response.context["dash"].mine_recent == made[:system.DASHBOARD_LIMIT]
    assert response.context["dash"].mine_count == system.DASHBOARD_LIMIT + 2
    assert (f'href="/assessments/?owner=me&amp;state=open">All {system.DASHBOARD_LIMIT + 2} '
            "of my open assessments") in response.content.decode()


def test_my_open_assessments_link_the_assessment_and_product(client_for, practitioner,
                                                             make_assessment):
    a = make_assessment(practitioner, "draft")
    content = dashboard(client_for, practitioner).content.decode()
    assert f'href="/assessments/{a.pk}/"' in content
    assert f'href="/products/{a.product_id}/"' in content


def test_nothing_open_says_so(client_for, practitioner):
    assert "You have no open assessment." in dashboard(client_for, practitioner).content.decode()


# Waiting for me

def test_waiting_shows_my_vendor_submissions(client_for, practitioner, make_assessment):
    mine = make_assessment(practitioner, "vendor_submitted")
    assert dashboard(client_for, practitioner).context["dash"].waiting == [mine]


def test_waiting_shows_information_requested_from_me(client_for, practitioner,
                                                     make_assessment):
    mine = make_assessment(practitioner, "information_requested",
                           information_requested_from="practitioner")
    make_assessment(practitioner, "information_requested", information_requested_from="vendor")
    assert dashboard(client_for, practitioner).context["dash"].waiting == [mine]


def test_waiting_leaves_out_other_peoples_assessments(client_for, practitioner, make_user,
                                                      make_assessment):
    colleague = make_user("practitioner")
    make_assessment(colleague, "vendor_submitted")
    assert dashboard(client_for, practitioner).context["dash"].waiting == []


def test_waiting_leaves_out_in_review_for_a_practitioner(client_for, practitioner,
                                                         make_assessment):
    make_assessment(practitioner, "in_review")
    assert dashboard(client_for, practitioner).context["dash"].waiting == []


def test_waiting_shows_a_reviewer_everything_in_review(client_for, practitioner, reviewer,
                                                       make_assessment):
    in_review = make_assessment(practitioner, "in_review")
    make_assessment(practitioner, "vendor_submitted")
    assert dashboard(client_for, reviewer).context["dash"].waiting == [in_review]


def test_waiting_lists_the_longest_waiting_first(client_for, practitioner, make_assessment):
    newer = make_assessment(practitioner, "vendor_submitted")
    older = make_assessment(practitioner, "vendor_submitted")
    Assessment.objects.filter(pk=older.pk).update(
        state_changed_at=timezone.now() - timedelta(days=5))
    assert dashboard(client_for, practitioner).context["dash"].waiting == [older, newer]


# Recent decisions

def test_recent_decisions_show_decided_superseded_and_suspended(client_for, practitioner,
                                                                reviewer, make_assessment):
    shown = []
    for state in ["approved", "superseded", "suspended", "rejected"]:
        a = make_assessment(practitioner, state)
        decide(a, reviewer)
        shown.append(a)
    make_assessment(practitioner, "withdrawn")
    recent = dashboard(client_for, practitioner).context["dash"].recent
    assert set(recent) == set(shown)


def test_recent_decisions_are_the_newest(client_for, practitioner, reviewer, make_assessment):

    decided = [make_assessment(practitioner, "approved")
               for _ in range(system.DASHBOARD_LIMIT + 2)]
    for days_ago, a in enumerate(decided):
        decide(a, reviewer, days_ago=days_ago)
    recent = dashboard(client_for, practitioner).context["dash"].recent
    assert recent == decided[:system.DASHBOARD_LIMIT]


def test_recent_decisions_show_outcome_signer_and_date(client_for, practitioner, reviewer,
                                                       make_assessment):
    a = make_assessment(practitioner, "rejected")
    decision = decide(a, reviewer, outcome="rejected")
    content = dashboard(client_for, practitioner).content.decode()
    assert "Rejected" in content
    assert "Dr rui" in content
    assert f"{timezone.localtime(decision.signed_at):%Y-%m-%d}" in content
    assert f'href="/assessments/{a.pk}/"' in content


# Due for re-vetting

def lapsing(make_assessment, practitioner, reviewer, days):
    """An approved assessment whose approval's last valid day is `days` from today."""
    from vetting.services import clinic_today

    a = make_assessment(practitioner, "approved")
    last = clinic_today() + timedelta(days=days)
    decision = decide(a, reviewer)
    Decision.objects.filter(pk=decision.pk).update(valid_until=last, lapses_on=last)
    Assessment.objects.filter(pk=a.pk).update(lapses_on=last)
    return a


def test_due_lists_what_ended_then_what_ends_within_30_days(client_for, practitioner,
                                                            reviewer, make_assessment):
    later = lapsing(make_assessment, practitioner, reviewer, 31)
    soon = lapsing(make_assessment, practitioner, reviewer, 30)
    ended = lapsing(make_assessment, practitioner, reviewer, -1)
    ended_first = lapsing(make_assessment, practitioner, reviewer, -40)
    superseded = lapsing(make_assessment, practitioner, reviewer, -2)
    Assessment.objects.filter(pk=superseded.pk).update(state="superseded")
    response = dashboard(client_for, practitioner)
    assert response.context["dash"].ending == [ended_first, ended, soon]
    assert (response.context["dash"].due_count, response.context["dash"].soon_count) == (2, 1)
    content = response.content.decode()
    assert "2 due now, 1 more within 30 days." in content
    assert content.count('href="/assessments/?state=due"') == 2  # the card and "All 2 due"
    assert later not in response.context["dash"].ending
    assert "most urgent are shown" not in content


def test_due_shows_the_most_urgent_and_counts_all(client_for, practitioner, reviewer,
                                                  make_assessment):

    made = [lapsing(make_assessment, practitioner, reviewer, -days)
            for days in range(1, system.DASHBOARD_LIMIT + 3)]
    response = dashboard(client_for, practitioner)
    assert response.context["dash"].ending == made[::-1][:system.DASHBOARD_LIMIT]
    assert response.context["dash"].due_count == system.DASHBOARD_LIMIT + 2
    assert f"The {system.DASHBOARD_LIMIT} most urgent are shown." in (
        response.content.decode())


# Lots on hold

@pytest.fixture
def receive_lot(practitioner, reviewer, make_assessment, pdf_upload):
    """Record a lot of a product of its own, decided on: held, its sterility test failed
    (a reason a reviewer may release it for), unless `held=False`. Recording is audited."""

    def receive(*, held=True, **changes):
        decided = make_assessment(practitioner, "approved")
        decide(decided, reviewer)
        return record(practitioner, decided.product, pdf_upload,
                      sterility="fail" if held else "pass", **changes)

    return receive


def card_count(response, title: str) -> int:
    """The number a summary card at the top of the dashboard shows."""
    found = re.search(rf'<h2 class="h6 text-secondary">{title}</h2>\s*'
                      r'<p class="display-6 mb-0">(\d+)</p>', response.content.decode())
    return int(found.group(1))


def test_no_lot_on_hold_counts_none_and_says_so(client_for, practitioner, receive_lot):
    usable = receive_lot(held=False)
    assert usable.status == "usable"
    response = dashboard(client_for, practitioner)
    assert response.context["dash"].held == [] and response.context["dash"].held_count == 0
    assert card_count(response, "Lots on hold") == 0
    held = section_of(response, "held")
    assert "No lot is on hold." in held and f'href="/lots/{usable.pk}/"' not in held


def test_lots_on_hold_are_counted_and_listed_the_one_held_longest_first(
        client_for, practitioner, receive_lot):
    first = receive_lot(lot_number="H-1", coa_lot_number="H-1")
    second = receive_lot(lot_number="H-2", coa_lot_number="H-2")
    usable = receive_lot(held=False)
    response = dashboard(client_for, practitioner)
    assert response.context["dash"].held == [first, second]
    assert response.context["dash"].held_count == 2
    assert card_count(response, "Lots on hold") == 2
    held = section_of(response, "held")
    assert '<span class="badge text-bg-warning">2</span>' in held
    rows = [f'<a href="/lots/{lot.pk}/" class="fw-semibold">Lot {lot.lot_number} of '
            f"{lot.product.name}</a>" for lot in (first, second)]
    assert rows[0] in held and rows[1] in held and held.index(rows[0]) < held.index(rows[1])
    assert held.count("The sterility test of this lot failed.") == 2
    assert f'href="/lots/{usable.pk}/"' not in held
    assert "held longest, of" not in held  # every one is listed


def test_the_lots_held_longest_are_listed_and_all_are_counted(client_for, practitioner,
                                                              receive_lot):
    made = [receive_lot() for _ in range(system.DASHBOARD_LIMIT + 1)]
    response = dashboard(client_for, practitioner)
    assert response.context["dash"].held == made[:system.DASHBOARD_LIMIT]
    assert card_count(response, "Lots on hold") == system.DASHBOARD_LIMIT + 1
    assert (f"The {system.DASHBOARD_LIMIT} held longest, of {system.DASHBOARD_LIMIT + 1}: "
            '<a href="/lots/?status=on_hold">all lots on hold</a>') in section_of(response, "held")


@pytest.mark.parametrize("resolve", ["release", "reject"])
def test_a_resolved_lot_leaves_the_lots_on_hold_at_once(client_for, practitioner, reviewer,
                                                       receive_lot, resolve):
    kept, resolved = receive_lot(), receive_lot()
    client = client_for(practitioner)
    assert card_count(client.get("/"), "Lots on hold") == 2  # rendered, and cached
    if resolve == "release":
        lots.lot_release(user=reviewer, lot=resolved, password=PASSWORD,
                         justification="Retested by the clinic's lab: sterile.")
    else:
        lots.lot_reject(user=reviewer, lot=resolved, justification="Not sterile.")
    response = client.get("/")  # the service's audit entry moved the cache key
    assert card_count(response, "Lots on hold") == 1
    held = section_of(response, "held")
    assert f'href="/lots/{kept.pk}/"' in held and f'href="/lots/{resolved.pk}/"' not in held
    assert '<span class="badge text-bg-warning">1</span>' in held


# Counts per recommendation

def test_counts_cover_every_open_assessment_by_recommendation(client_for, practitioner,
                                                              reviewer, make_assessment):
    make_assessment(practitioner, "draft", recommendation="do_not_approve")
    make_assessment(reviewer, "in_review", recommendation="do_not_approve")
    make_assessment(reviewer, "draft", recommendation="no_objections")
    make_assessment(practitioner, "rejected", recommendation="do_not_approve")
    counts = {value: n for value, _, n in
              dashboard(client_for, practitioner).context["dash"].by_recommendation}
    assert counts == {"do_not_approve": 2, "approve_with_conditions": 0, "no_objections": 1}
    assert ('href="/assessments/?state=open&amp;recommendation=do_not_approve"'
            in dashboard(client_for, practitioner).content.decode())


# Queries

def populate(n, practitioner, reviewer, make_assessment, receive_lot):
    for _ in range(n):
        make_assessment(practitioner, "draft")
        make_assessment(practitioner, "vendor_submitted")
        make_assessment(practitioner, "in_review")
        decide(make_assessment(practitioner, "approved"), reviewer)
        lapsing(make_assessment, practitioner, reviewer, -3)
        lapsing(make_assessment, practitioner, reviewer, 10)
        receive_lot()  # on hold


@pytest.mark.parametrize("role", ["practitioner", "reviewer"])
def test_queries_do_not_grow_with_the_records(client_for, practitioner, reviewer,
                                              make_assessment, receive_lot, role):
    viewer = practitioner if role == "practitioner" else reviewer
    client = client_for(viewer)

    def count():
        """The queries of a rendering, and the lots on hold it counts."""
        caches["template_fragments"].clear()  # written without audit: render anew
        response, queries = queries_of(client)
        return queries, card_count(response, "Lots on hold")

    populate(5, practitioner, reviewer, make_assessment, receive_lot)
    with_5, held = count()
    assert held == 5
    populate(45, practitioner, reviewer, make_assessment, receive_lot)
    assert count() == (with_5, 50)


# Served again from the fragment cache until the audit trail moves

def queries_of(client, url="/"):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_unchanged_dashboard_is_served_again_without_reading_the_records(
        client_for, practitioner, reviewer, make_assessment, receive_lot):
    populate(5, practitioner, reviewer, make_assessment, receive_lot)
    client = client_for(practitioner)
    first, rendered = queries_of(client)
    again, served = queries_of(client)
    _trivial, login_only = queries_of(client, "/accounts/password_change/")
    assert main_of(again) == main_of(first)  # (the page's CSRF token differs)
    # The session, the user, the roles and the audit trail's head; nothing of the records.
    assert served < rendered
    assert served == login_only + 1


def test_an_audited_change_shows_at_once(client_for, practitioner, make_assessment):
    from vetting.services import registry

    mine = make_assessment(practitioner, "draft")
    client = client_for(practitioner)
    assert "Product 1, assessment 1" in dashboard_text(client)
    registry.product_update(user=practitioner, product=mine.product, name="Renamed serum")
    text = dashboard_text(client)
    assert "Renamed serum, assessment 1" in text
    assert "Product 1, assessment 1" not in text


def test_an_audited_state_change_moves_the_counts_at_once(client_for, practitioner,
                                                          make_assessment):
    from vetting import services

    mine = make_assessment(practitioner, "draft")
    client = client_for(practitioner)
    assert client.get("/").context["dash"].mine_count == 1
    services.assessment_withdraw(user=practitioner, assessment=mine, reason="Not stocked")
    response = client.get("/")
    assert response.context["dash"].mine_count == 0
    assert "You have no open assessment" in response.content.decode()


def test_each_user_is_served_their_own_dashboard(client_for, practitioner, make_user,
                                                 make_assessment):
    other = make_user("other", "practitioner")
    make_assessment(practitioner, "draft")
    assert "Product 1, assessment 1" in dashboard_text(client_for(practitioner))
    text = dashboard_text(client_for(other))
    assert "You have no open assessment" in text
    assert "Product 1, assessment 1" not in text


def test_a_user_given_the_reviewer_role_is_served_the_reviewers_dashboard(
        client_for, practitioner, make_assessment):
    from django.contrib.auth.models import Group

    in_review = make_assessment(practitioner, "in_review")
    label = f"{in_review.product.name}, assessment 1"
    client = client_for(practitioner)
    # Their own, in review, does not wait for them...
    assert label not in section_of(client.get("/"), "waiting")
    practitioner.groups.add(Group.objects.get(name="reviewer"))  # (roles are not audited)
    # ...but every assessment in review waits for a reviewer.
    assert label in section_of(client.get("/"), "waiting")


def test_the_next_day_is_rendered_anew(client_for, practitioner, reviewer, make_assessment,
                                       monkeypatch):
    from vetting import services

    lapsing(make_assessment, practitioner, reviewer, 0)  # its last valid day is today
    client = client_for(practitioner)
    assert "0 due now, 1 more within 30 days" in section_of(client.get("/"), "due")
    tomorrow = services.clinic_today() + timedelta(days=1)
    monkeypatch.setattr(services, "clinic_today", lambda: tomorrow)
    due = section_of(client.get("/"), "due")
    assert "1 due now." in due
    assert f"approval ended {(tomorrow - timedelta(days=1)):%Y-%m-%d}" in due


def test_an_unaudited_change_shows_when_the_cache_time_is_up(client_for, practitioner,
                                                             make_assessment, monkeypatch):
    import time

    from django.core.cache.backends import locmem

    client = client_for(practitioner)
    assert "You have no open assessment" in dashboard_text(client)
    make_assessment(practitioner, "draft")  # written without audit (as a data migration)
    assert "You have no open assessment" in dashboard_text(client)
    later = time.time() + system.DASHBOARD_CACHE_SECONDS + 1
    monkeypatch.setattr(locmem.time, "time", lambda: later)
    assert "Product 1, assessment 1" in dashboard_text(client)


def test_links_follow_the_prefix_of_each_request(client_for, practitioner, make_assessment):
    from django.urls import set_script_prefix

    mine = make_assessment(practitioner, "draft")
    client = client_for(practitioner)
    assert f'href="/assessments/{mine.pk}/"' in main_of(client.get("/"))
    set_script_prefix("/vetting/")  # the same site also served at /vetting (SCRIPT_NAME)
    try:
        html = main_of(client.get("/"))
    finally:
        set_script_prefix("/")
    assert f'href="/vetting/assessments/{mine.pk}/"' in html
    assert f'href="/assessments/{mine.pk}/"' not in html


def test_rendered_dashboards_are_kept_apart_from_the_rate_limit_counters(
        client_for, practitioner, make_assessment):
    # A full cache drops entries at random: fragments have their own, so that they never
    # push out the signing lock-out or the portal's rate limits (kept in "default";
    # test_settings checks the cache each deployment configures).
    make_assessment(practitioner, "draft")
    client = client_for(practitioner)
    caches["default"].set("signing-failures:1", 3)
    first = main_of(client.get("/"))
    caches["template_fragments"].clear()
    make_assessment(practitioner, "draft")  # unaudited: shows only as the fragment is gone
    assert main_of(client.get("/")) != first
    assert caches["default"].get("signing-failures:1") == 3


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index('<main id="main"'):html.index("</main>")]


def section_of(response, section_id: str) -> str:
    html = response.content.decode()
    start = html.index(f'<section id="{section_id}"')
    return html[start:html.index("</section>", start)]


def dashboard_text(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()
