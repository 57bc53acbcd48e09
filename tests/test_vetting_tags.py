"""The checklist pages' template tags that write a list in one call: markup and escaping."""

from datetime import date
from types import SimpleNamespace

from django import forms

from vetting.templatetags.vetting_tags import choice_checks, missing_links, validity


def test_missing_links_link_each_question_to_its_card_and_escape_the_text():
    findings = [SimpleNamespace(question_id="1.2", question_text="Tissue <b>&</b> INCI"),
                SimpleNamespace(question_id="1.4", question_text='Donor "eligibility"')]
    assert missing_links(findings, "/assessments/7/steps/1/") == (
        '<a href="/assessments/7/steps/1/#q1_2">1.2</a> Tissue &lt;b&gt;&amp;&lt;/b&gt; INCI; '
        '<a href="/assessments/7/steps/1/#q1_4">1.4</a> Donor &quot;eligibility&quot;')


def test_missing_links_of_nothing_is_empty():
    assert missing_links([], "/x/") == ""


class Choices(forms.Form):
    pick = forms.ChoiceField(choices=[("a", "<i>A</i>"), ("b", "B & C")],
                             widget=forms.RadioSelect)


def test_choice_checks_label_each_input_and_escape_the_labels():
    html = choice_checks(Choices(initial={"pick": "b"})["pick"])
    assert html == (
        '<div class="form-check"><input type="radio" name="pick" value="a" id="id_pick_0" '
        'required><label class="form-check-label" for="id_pick_0">&lt;i&gt;A&lt;/i&gt;'
        '</label></div>'
        '<div class="form-check"><input type="radio" name="pick" value="b" id="id_pick_1" '
        'required checked><label class="form-check-label" for="id_pick_1">B &amp; C'
        '</label></div>')


def test_answers_read_with_their_units_and_numbers_as_people_write_them():
    """The submission page dropped units (endotoxin 0.1, size mode 110) and the report
    printed "1e+10 particles/mL": both write numbers exactly, as the signed specification
    does (a vendor's change from 1.2341e10 to 1.2344e10 must read as a change)."""
    from vetting.checklist import get_checklist
    from vetting.services.portal import answer_text
    from vetting.templatetags.vetting_tags import answer_text as report_text

    checklist = get_checklist("1")
    particles, size = checklist.question("3.2"), checklist.question("3.4")
    assert answer_text(size, {"mode": 110, "d10": 62.5}) == "size mode: 110 nm; D10: 62.5 nm"
    assert "10,000,000,000 particles/mL" in answer_text(particles, {"value": 1e10})
    assert "12,341,000,000 particles/mL" in report_text({"value": 1.2341e10}, particles)
    assert "12,344,000,000 particles/mL" in report_text({"value": 1.2344e10}, particles)
    assert "e+" not in report_text({"value": 2.5e8}, particles)


def test_validity_says_when_the_gmp_certificate_ends_first():
    decision = SimpleNamespace(valid_until=date(2099, 12, 31), lapses_on=date(2028, 1, 31))
    assert validity(decision) == ("valid until 2099-12-31 (last valid day); the GMP certificate "
                                  "ends first, on 2028-01-31: the approval lapses then")


def test_validity_is_the_last_valid_day_alone_when_it_comes_first():
    decision = SimpleNamespace(valid_until=date(2027, 6, 30), lapses_on=date(2027, 6, 30))
    assert validity(decision) == "valid until 2027-06-30 (last valid day)"
    assert validity(SimpleNamespace(valid_until=None, lapses_on=None)) == ""
