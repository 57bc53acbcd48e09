"""Every page each role reaches by following links from the dashboard, and the pages of the
demo's vendor links, render without a server error as well-formed HTML: tags closed in
order, unique ids, and labels and aria references that name an element of the page (what
a screen reader follows). On the demo data, which has a case in every state."""

from __future__ import annotations

from collections import Counter, deque
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

from tests.html_checks import html_problems
from vetting.models import AuditEntry, AuditEvent

pytestmark = pytest.mark.django_db

PER_VIEW = 4  # pages of one view checked per role: the same template with other data
NOT_FOLLOWED = ("/admin/",)  # Django's own admin pages


def crawl(client, start: list[str]) -> tuple[dict[str, list[str]], Counter]:
    """Problems by URL, and the pages checked per view, of the pages reached from `start`."""
    queue, seen, per_view, problems = deque(start), set(start), Counter(), {}
    while queue:
        url = queue.popleft()
        try:
            view = resolve(urlsplit(url).path).view_name
        except Resolver404:
            continue
        if per_view[view] >= PER_VIEW:
            continue
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        per_view[view] += 1
        html = response.content.decode()
        found, links = html_problems(html)
        # A browser sends "" for a number it cannot read in <input type="number"> (and every
        # form here skips the browser's checks): a mistyped number would clear the stored one.
        if 'type="number"' in html:
            found.append('an <input type="number">: type numbers as text (NumberText)')
        if found:
            problems[url] = found
        for link in links:
            link = link.split("#")[0]
            if link.startswith("/") and link not in seen and not link.startswith(NOT_FOLLOWED):
                seen.add(link)
                queue.append(link)
    return problems, per_view


@pytest.fixture
def demo(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    return capsys.readouterr().out


@pytest.mark.parametrize("username", ["practitioner", "reviewer", "admin"])
def test_every_page_a_role_reaches_is_well_formed(demo, client, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    written = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    problems, per_view = crawl(client, ["/"])
    assert problems == {}
    # The crawl reached the registers, the cases and their steps (not just the dashboard).
    assert {"dashboard", "vendor_detail", "product_detail", "assessment_detail",
            "assessment_step"} <= set(per_view), per_view
    # Following links changes nothing: what it writes to the trail is downloads only.
    assert set(AuditEntry.objects.filter(seq__gt=written).values_list("event", flat=True)) <= {
        AuditEvent.DOWNLOAD}


def test_every_page_of_the_vendor_links_is_well_formed(demo, client):
    links = [line.split(": ", 1)[1].split()[0] for line in demo.splitlines()
             if ": /v/" in line]
    assert links
    problems, per_view = crawl(client, links)
    assert problems == {}
    assert {"portal_home", "portal_step"} <= set(per_view), per_view


def test_forms_shown_again_with_errors_are_well_formed(client_for, practitioner, assessment,
                                                      document):
    """Each error is named by its field's aria-describedby (what a screen reader reads with
    the field), on the clinic's step, the portal, the registers' forms and the decision."""
    from django.test import Client

    from vetting.models import VendorContact
    from vetting.services import portal as portal_services

    contact = VendorContact.objects.create(vendor=assessment.product.vendor, name="Vera",
                                           email="vera@example.org")
    token = portal_services.invitation_send(user=practitioner, assessment=assessment,
                                            contact=contact).token
    client = client_for(practitioner)
    posts = [
        (client, f"/assessments/{assessment.pk}/steps/1/",
         {"q1_6__passage": "4e", "q1_6__document": str(document.pk)}),
        (client, f"/vendors/{assessment.product.vendor_id}/edit/", {"name": ""}),
        (client, f"/products/{assessment.product_id}/edit/", {"name": ""}),
        (Client(), f"/v/{token}/steps/1/", {"q1_6__passage": "-3"}),  # the vendor
    ]
    for who, url, data in posts:
        response = who.post(url, data)
        html = response.content.decode()
        assert 'aria-invalid="true"' in html, url
        assert html_problems(html)[0] == [], url


@pytest.fixture
def document(assessment, practitioner, pdf_upload):
    from vetting import services

    return services.evidence_upload(assessment=assessment, question_id="1.2",
                                    kind="cell_bank_identity", upload=pdf_upload(),
                                    user=practitioner)
