"""The step form's fingerprint of an answer, by which a save notices an answer changed since
the page was loaded: the same answer gives the same fingerprint however it was written."""

import pytest

from vetting.forms.checklist import DomainForm

pytestmark = pytest.mark.django_db


def form(checklist_version, domain_id, **kwargs):
    return DomainForm(checklist=checklist_version.checklist, domain_id=domain_id, stored={},
                      documents=[], **kwargs)


def test_the_same_answer_has_the_same_fingerprint(checklist_version):
    step = form(checklist_version, "1")
    q15, q16 = (checklist_version.checklist.question(q) for q in ("1.5", "1.6"))
    assert step.fingerprint(q16, {"passage": 5}) == step.fingerprint(q16, {"passage": 5.0})
    assert step.fingerprint(q16, {"passage": 5, "cell_bank": None}) == step.fingerprint(
        q16, {"passage": 5})
    assert step.fingerprint(q15, {"tests": ["hiv1", "hbv"]}) == step.fingerprint(
        q15, {"tests": ["hbv", "hiv1"]})


def test_different_answers_and_no_answer_differ(checklist_version):
    step = form(checklist_version, "1")
    q16 = checklist_version.checklist.question("1.6")
    assert step.fingerprint(q16, {"passage": 5}) != step.fingerprint(q16, {"passage": 6})
    assert step.fingerprint(q16, None) == step.fingerprint(q16, {}) == ""
    assert step.fingerprint(q16, {"passage": 5}) != ""


def test_the_portal_fingerprints_only_the_vendors_fields(checklist_version):
    """The clinic's own field of a vendor question (1.2's exosome claim) changed meanwhile is
    no conflict for the vendor, who does not see it."""
    portal = form(checklist_version, "1", only_by="vendor")
    q12 = checklist_version.checklist.question("1.2")
    assert portal.fingerprint(q12, {"inci_name": "Rose", "called_exosome": "yes"}) == (
        portal.fingerprint(q12, {"inci_name": "Rose"}))
    staff = form(checklist_version, "1")
    assert staff.fingerprint(q12, {"inci_name": "Rose", "called_exosome": "yes"}) != (
        staff.fingerprint(q12, {"inci_name": "Rose"}))
