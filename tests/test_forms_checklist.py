"""The step form's fingerprint of an answer, by which a save notices an answer changed since
the page was loaded: the same answer gives the same fingerprint however it was written."""

from types import SimpleNamespace

import pytest

from vetting.forms.checklist import DomainForm

pytestmark = pytest.mark.django_db


# A vendor document held: the step's vendor fields are open (without one they are shown
# disabled, and a page cannot change them: they are in no fingerprint).
DOCUMENT = SimpleNamespace(pk=1, original_name="CoA.pdf", kind="coa")


def form(checklist_version, domain_id, **kwargs):
    return DomainForm(checklist=checklist_version.checklist, domain_id=domain_id, stored={},
                      documents=[DOCUMENT], **kwargs)


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


def test_fields_shown_disabled_are_in_no_fingerprint(checklist_version):
    step = DomainForm(checklist=checklist_version.checklist, domain_id="4", stored={},
                      documents=[])
    q41 = checklist_version.checklist.question("4.1")
    assert step.fingerprint(q41, {"coa_lot": "L-7", "vial_lot": "V-1"}) == step.fingerprint(
        q41, {"vial_lot": "V-1"})  # the vendor's part, disabled without its document


def test_rows_added_on_the_page_are_read_up_to_the_limit(checklist_version):
    """The page may post more blank rows than the one it was given (several studies at
    once); rows beyond REPEAT_ROWS_MAX are not read."""
    from vetting.forms.checklist import REPEAT_ROWS_MAX

    stored = {"6.2": [{"design": "rct", "n": 30}]}
    posted = {"q6_2__r0__design": "rct", "q6_2__r0__n": "30",
              "q6_2__r2__n": "12", "q6_2__r3__design": "case_series"}
    step = DomainForm(posted, checklist=checklist_version.checklist, domain_id="6",
                      stored=stored, documents=[DOCUMENT])
    assert step.is_valid(), step.errors
    q62 = checklist_version.checklist.question("6.2")
    assert step.question_value(q62) == [{"design": "rct", "n": 30}, {"n": 12},
                                        {"design": "case_series"}]
    assert DomainForm(None, checklist=checklist_version.checklist, domain_id="6",
                      stored=stored, documents=[DOCUMENT]).rows["6.2"] == 2
    too_many = DomainForm({f"q6_2__r{REPEAT_ROWS_MAX + 5}__n": "1"},
                          checklist=checklist_version.checklist, domain_id="6", stored={},
                          documents=[DOCUMENT])
    assert too_many.rows["6.2"] == REPEAT_ROWS_MAX
    # A filled row past the limit refuses the save, named at the last row kept: the rows
    # after it are not dropped silently. Blank rows past it (added, left empty) are not.
    assert not too_many.is_valid()
    assert too_many.errors[f"q6_2__r{REPEAT_ROWS_MAX - 1}__design"] == [
        f"At most {REPEAT_ROWS_MAX} rows can be saved here: remove those after the "
        f"{REPEAT_ROWS_MAX}th, or attach them as a document."]
    blank = DomainForm({f"q6_2__r{REPEAT_ROWS_MAX + 5}__n": " "},
                       checklist=checklist_version.checklist, domain_id="6", stored={},
                       documents=[DOCUMENT])
    assert blank.is_valid(), blank.errors
    # An imported answer may hold more rows: those are read, and saved back unchanged.
    many = [{"n": row} for row in range(REPEAT_ROWS_MAX + 20)]
    posted = {f"q6_2__r{row}__n": str(row) for row in range(REPEAT_ROWS_MAX + 20)}
    again = DomainForm(posted, checklist=checklist_version.checklist, domain_id="6",
                       stored={"6.2": many}, documents=[DOCUMENT])
    assert again.is_valid(), again.errors
    assert again.question_value(q62) == many
    assert again.bound_fields(q62)["row_max"] == REPEAT_ROWS_MAX + 21


def test_a_field_with_an_error_is_marked_invalid_and_a_filled_new_row_keeps_a_blank_after(
        checklist_version):
    """Shown again after a refused save: the field is marked is-invalid (a red border, not
    only the message below it) and described by its message; the study typed into the
    blank row keeps its place, and a new blank row follows (it was relabelled "Add a
    study" and no row followed)."""
    step = DomainForm({"q6_2__r0__design": "rct", "q6_2__r0__n": "abc"},
                      checklist=checklist_version.checklist, domain_id="6", stored={},
                      documents=[DOCUMENT])
    assert not step.is_valid()
    html = str(step["q6_2__r0__n"])
    assert 'class="form-control is-invalid"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="id_q6_2__r0__n_error"' in html
    assert "is-invalid" not in str(step["q6_2__r0__design"])
    assert step.rows["6.2"] == 2
