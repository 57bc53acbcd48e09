"""The clinic's side of the vendor portal: invite, revoke, re-issue, compare submissions."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from vetting.forms.portal import InvitationForm, ReissueForm
from vetting.models import AssessmentState, Invitation
from vetting.permissions import STAFF_ROLES, role_required
from vetting.services import portal as portal_services
from vetting.services.answers import vendor_may_write
from vetting.services.errors import ServiceError
from vetting.views.access import get_assessment
from vetting.views.assessments import render_summary


def _get_invitation(user, assessment_id: int, invitation_id: int) -> Invitation:
    get_assessment(user, assessment_id)  # 404 for anyone without a staff role
    return get_object_or_404(Invitation.objects.select_related("contact", "assessment"),
                              pk=invitation_id, assessment_id=assessment_id)


@require_POST
@role_required(*STAFF_ROLES)
def invitation_create(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    form = InvitationForm(request.POST, vendor=assessment.product.vendor)
    if form.is_valid():
        try:
            issued = portal_services.invitation_send(
                user=request.user, assessment=assessment, contact=form.cleaned_data["contact"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                message=form.cleaned_data["message"])
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            contact = issued.invitation.contact
            messages.success(request, f"Invitation e-mailed to {contact.name} "
                                      f"<{contact.email}>.")
            return redirect("assessment_detail", pk)
    # The page again, the form as filled in, each message next to its field; where the page
    # no longer offers the form (no contact left, the vendor's turn over), in the banner.
    offered = assessment.product.vendor.contacts.exists() and (
        assessment.state == AssessmentState.DRAFT or vendor_may_write(assessment))
    reasons = " ".join(message for errors in form.errors.values() for message in errors)
    messages.error(request, "The invitation was not sent: "
                   + ("see the invitation form." if offered else reasons))
    return render_summary(request, assessment, status=400, invitation_form=form)


@require_POST
@role_required(*STAFF_ROLES)
def invitation_revoke(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    invitation = _get_invitation(request.user, pk, invitation_id)
    try:
        portal_services.invitation_revoke(user=request.user, invitation=invitation)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "The link is revoked: it no longer opens the portal.")
    return redirect("assessment_detail", pk)


@require_POST
@role_required(*STAFF_ROLES)
def invitation_reissue(request: HttpRequest, pk: int, invitation_id: int) -> HttpResponse:
    invitation = _get_invitation(request.user, pk, invitation_id)
    form = ReissueForm(request.POST or {"expires_in_days": 30})
    days = form.cleaned_data["expires_in_days"] if form.is_valid() else 30
    try:
        issued = portal_services.invitation_reissue(user=request.user, invitation=invitation,
                                                    expires_in_days=days)
    except ServiceError as exc:
        messages.error(request, f"No new link was sent: {exc.message}")
    else:
        messages.success(request, f"A new link was e-mailed to {issued.invitation.contact.email}; "
                                  "the old one no longer works.")
    return redirect("assessment_detail", pk)


@require_GET
@role_required(*STAFF_ROLES)
def submission_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    submissions = {s.number: s for s in assessment.submissions.filter(
        number__in=[number - 1, number])}
    submission = submissions.get(number)
    if submission is None:
        raise Http404
    previous = submissions.get(number - 1)
    checklist = assessment.checklist
    answers = [{"q": checklist.question_map.get(qid), "id": qid,
                "text": portal_services.answer_text(checklist.question_map.get(qid), value)}
               for qid, value in sorted(submission.answers.items(),
                                        key=lambda item: _order(checklist, item[0]))]
    context = {
        "assessment": assessment, "checklist": checklist, "submission": submission,
        "previous": previous,
        "changes": portal_services.submission_changes(checklist, previous, submission),
        "answers": answers, "count": assessment.submissions.count(),
    }
    return render(request, "vetting/assessments/submission.html", context)


def _order(checklist, question_id: str) -> int:
    ids = [q.id for q in checklist.questions]
    return ids.index(question_id) if question_id in ids else len(ids)
