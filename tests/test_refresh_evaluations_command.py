"""`manage.py refresh_evaluations`: the stored recommendation and counts of open assessments."""

from io import StringIO

import pytest
from django.core.management import call_command

from vetting.models import Assessment

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("refresh_evaluations", stdout=out)
    return out.getvalue()


def stored(assessment):
    assessment.refresh_from_db()
    return (assessment.recommendation, assessment.red_count, assessment.amber_count,
            assessment.missing_count)


def test_it_stores_the_engines_result_on_an_open_assessment(assessment):
    right = stored(assessment)
    Assessment.objects.filter(pk=assessment.pk).update(  # as an older engine left it
        recommendation="no_objections", missing_count=0)
    out = run()
    assert stored(assessment) == right
    assert f"assessment {assessment.pk} " in out and "no_objections -> " in out
    assert out.endswith("1 open assessment changed.\n")
    assert run().endswith("0 open assessments changed.\n")  # again: nothing


def test_a_decided_assessment_keeps_what_was_signed(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(
        state="approved", recommendation="no_objections", missing_count=0)
    assert run().endswith("0 open assessments changed.\n")
    assert stored(assessment)[0] == "no_objections"
