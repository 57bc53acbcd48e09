"""An answer that says something against itself is refused where answers are written (the
step, the portal, the service, import): "none" or "unknown" ticked with a method (3.1 raised
RED "no separation method" beside a ticked one), a D90 below the D10 or the median (3.4).
Dates out of order: tests/test_date_order.py."""

from types import SimpleNamespace

import pytest

from vetting import services
from vetting.forms.checklist import DomainForm
from vetting.models import Answer, AuditEntry

pytestmark = pytest.mark.django_db

DOCUMENT = SimpleNamespace(pk=1, original_name="CoA.pdf", kind="coa")  # vendor fields open


def step_3(checklist_version, data):
    form = DomainForm(data, checklist=checklist_version.checklist, domain_id="3", stored={},
                      documents=[DOCUMENT])
    form.is_valid()
    return form


@pytest.mark.parametrize("alone", ["none", "unknown"])
def test_none_or_unknown_ticked_with_a_method_is_marked_at_the_field(checklist_version, alone):
    form = step_3(checklist_version, {"q3_1__methods": ["sec", alone]})
    label = checklist_version.checklist.question("3.1").field_map["methods"].choices[alone]
    assert form.errors == {"q3_1__methods": [
        f'"{label}" cannot be ticked with other separation methods: tick it alone, or only '
        "the others."]}


@pytest.mark.parametrize("methods", [["none"], ["unknown"], ["sec", "tff"]])
def test_a_standalone_choice_alone_or_methods_together_are_accepted(checklist_version,
                                                                    methods):
    assert step_3(checklist_version, {"q3_1__methods": methods}).errors == {}


def test_a_d90_below_the_d10_is_marked_at_the_d90(checklist_version):
    form = step_3(checklist_version, {"q3_4__d10": "300", "q3_4__d90": "50",
                                      "q3_4__median": "120"})
    assert form.errors == {"q3_4__d90": ["The D90 (50 nm) is below the D10 (300 nm)."],
                           "q3_4__median": ["The median size (120 nm) is below the D10 "
                                            "(300 nm)."]}
    assert step_3(checklist_version, {"q3_4__d10": "50", "q3_4__d90": "300",
                                      "q3_4__median": "120"}).errors == {}


def test_the_service_and_import_refuse_them_and_write_nothing(assessment, practitioner):
    entries, answers = AuditEntry.objects.count(), Answer.objects.count()
    with pytest.raises(services.InvalidInput, match='Question 3.1: "none'):
        services.answer_set(assessment=assessment, question_id="3.1", user=practitioner,
                            value={"methods": ["differential_uc", "none"]}, source="import")
    dossier = {"checklist_version": "1", "answers": {
        "1.1": {"source": "plant"}, "3.4": {"d10": 300, "d90": 50}}}
    with pytest.raises(services.InvalidInput,
                       match=r"Question 3.4: The D90 \(50 nm\) is below the D10 \(300 nm\)."):
        services.assessment_import(user=practitioner, assessment=assessment, data=dossier)
    assert (AuditEntry.objects.count(), Answer.objects.count()) == (entries, answers)


def test_a_contradiction_stored_before_the_check_does_not_block_the_step(checklist_version):
    stored = {"3.1": {"methods": ["sec", "none"]}}
    form = DomainForm({"q3_1__methods": ["sec", "none"], "q3_2__value": "1e10"},
                      checklist=checklist_version.checklist, domain_id="3", stored=stored,
                      documents=[DOCUMENT])
    assert "q3_1__methods" not in form.errors
