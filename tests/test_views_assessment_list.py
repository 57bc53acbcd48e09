"""The assessment register (/assessments/): every assessment, filtered by owner, state and
recommendation, most recently changed first; the dashboard's counts link here."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.conftest import count_queries
from vetting.models import Assessment, AuditEntry, Product
from vetting.views.registry import PAGE_SIZE

pytestmark = pytest.mark.django_db

URL = "/assessments/"


@pytest.fixture
def make_assessment(product, checklist_version):
    """An assessment on its own product, changed `days_ago` days ago."""
    counter = {"n": 0}

    def make(user, state="draft", days_ago=0, **fields):
        counter["n"] += 1
        target = Product.objects.create(vendor=product.vendor, name=f"Serum {counter['n']:03d}",
                                        category="exosome_ev", form="topical")
        a = Assessment.objects.create(product=target, checklist_version=checklist_version,
                                      number=1, created_by=user, state=state, **fields)
        Assessment.objects.filter(pk=a.pk).update(
            state_changed_at=timezone.now() - timedelta(days=days_ago))
        return a

    return make


def listed(client, query=""):
    response = client.get(URL + query)
    assert response.status_code == 200
    return list(response.context["page"].object_list)


# Who may see it

@pytest.mark.parametrize("role", ["practitioner", "reviewer", "admin"])
def test_each_staff_role_sees_every_assessment(client_for, make_user, practitioner,
                                               make_assessment, role):
    a = make_assessment(practitioner)
    assert listed(client_for(make_user(role))) == [a]


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL)["Location"] == f"/accounts/login/?next={URL}"


def test_a_user_without_a_role_is_refused(client_for, norole_user):
    assert client_for(norole_user).get(URL).status_code == 403


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_refused_and_write_nothing(client_for, practitioner, make_assessment,
                                                     method):
    a = make_assessment(practitioner)
    entries = AuditEntry.objects.count()
    response = getattr(client_for(practitioner), method)(URL)
    assert response.status_code == 405
    assert AuditEntry.objects.count() == entries
    assert Assessment.objects.get(pk=a.pk).state == "draft"


def test_the_navigation_links_the_register(client_for, practitioner):
    content = client_for(practitioner).get("/").content.decode()
    assert f'href="{URL}">Assessments</a>' in content


# What it lists

def test_the_most_recently_changed_come_first(client_for, practitioner, make_assessment):
    old = make_assessment(practitioner, days_ago=9)
    new = make_assessment(practitioner, days_ago=1)
    middle = make_assessment(practitioner, days_ago=4)
    assert listed(client_for(practitioner)) == [new, middle, old]


def test_mine_leaves_out_other_peoples(client_for, practitioner, reviewer, make_assessment):
    mine = make_assessment(practitioner)
    make_assessment(reviewer)
    client = client_for(practitioner)
    assert listed(client, "?owner=me") == [mine]
    assert len(listed(client)) == 2


def test_open_means_every_state_before_a_decision(client_for, practitioner, make_assessment):
    shown = {make_assessment(practitioner, state) for state in
             ["draft", "awaiting_vendor", "vendor_submitted", "information_requested",
              "in_review"]}
    for state in ["approved", "rejected", "withdrawn", "superseded", "suspended"]:
        make_assessment(practitioner, state)
    assert set(listed(client_for(practitioner), "?state=open")) == shown


def test_state_and_recommendation_filters(client_for, practitioner, make_assessment):
    wanted = make_assessment(practitioner, "in_review", recommendation="do_not_approve")
    make_assessment(practitioner, "in_review", recommendation="no_objections")
    make_assessment(practitioner, "draft", recommendation="do_not_approve")
    query = "?state=in_review&recommendation=do_not_approve"
    assert listed(client_for(practitioner), query) == [wanted]


def test_unknown_filter_values_are_ignored(client_for, practitioner, make_assessment):
    a = make_assessment(practitioner)
    response = client_for(practitioner).get(URL + "?state=nonsense&owner=x&recommendation=' OR")
    assert list(response.context["page"].object_list) == [a]
    assert (response.context["state"], response.context["owner"]) == ("", "")


def test_rows_link_the_assessment_and_the_vendor_and_show_the_badges(
        client_for, practitioner, make_assessment):
    a = make_assessment(practitioner, "in_review", recommendation="do_not_approve", red_count=2)
    content = client_for(practitioner).get(URL).content.decode()
    assert f'<a href="/assessments/{a.pk}/">{a.product.name}</a>' in content
    assert f'href="/vendors/{a.product.vendor_id}/"' in content
    assert "In review" in content and "Do not approve" in content and "RED 2" in content


def test_the_filters_keep_their_values_and_can_be_cleared(client_for, practitioner):
    content = client_for(practitioner).get(URL + "?owner=me&state=open").content.decode()
    assert '<option value="me" selected>Me</option>' in content
    assert '<option value="open" selected>' in content
    assert f'href="{URL}" class="btn btn-link px-1">Clear</a>' in content


def test_nothing_matching_says_so(client_for, practitioner, make_assessment):
    client = client_for(practitioner)
    assert "No assessment has been started yet." in client.get(URL).content.decode()
    make_assessment(practitioner, "draft")
    content = client.get(URL + "?state=approved").content.decode()
    assert "No assessment matches the filters." in content


def test_pages_keep_the_filters(client_for, practitioner, make_assessment):
    for days in range(PAGE_SIZE + 2):
        make_assessment(practitioner, days_ago=days)
    client = client_for(practitioner)
    response = client.get(URL + "?owner=me&state=open")
    assert response.context["page"].paginator.count == PAGE_SIZE + 2
    assert "?owner=me&amp;state=open&amp;page=2" in response.content.decode()
    assert len(listed(client, "?owner=me&state=open&page=2")) == 2


def test_queries_do_not_grow_with_the_records(client_for, practitioner, reviewer,
                                              make_assessment):
    client = client_for(practitioner)

    def count(query):
        return count_queries(client, URL + query)

    def populate(n):
        for i in range(n):
            make_assessment(practitioner if i % 2 else reviewer, ["draft", "in_review"][i % 2])

    populate(5)
    queries = ["", "?owner=me&state=open", "?recommendation=do_not_approve", "?state=due"]
    with_5 = [count(q) for q in queries]
    populate(45)
    assert [count(q) for q in queries] == with_5


def test_due_lists_the_approvals_that_ended_the_first_ended_first(client_for, practitioner,
                                                                  make_assessment):
    from vetting.services import clinic_today

    today = clinic_today()

    def approval(state, days):
        a = make_assessment(practitioner, state)
        Assessment.objects.filter(pk=a.pk).update(lapses_on=today + timedelta(days=days))
        return a

    ended_last = approval("approved", -1)
    ended_first = approval("approved_with_conditions", -30)
    approval("approved", 0)  # its last day is today: not due yet
    approval("superseded", -10)  # replaced by a later decision
    approval("suspended", -10)
    response = client_for(practitioner).get(URL + "?state=due")
    assert list(response.context["page"].object_list) == [ended_first, ended_last]
    assert "the earliest ended first" in response.content.decode()
    assert '<option value="due" selected>Due for re-vetting</option>' in (
        response.content.decode())
