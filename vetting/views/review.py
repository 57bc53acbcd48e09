"""The reviewer's queue, review page, decision and sign-off, and suspension."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vetting import services
from vetting.forms.review import (
    MAX_COMMENT,
    CommentForm,
    DecisionForm,
    InformationRequestForm,
    QueueFilterForm,
    SuspendForm,
)
from vetting.models import OPEN_STATES, Assessment, AssessmentState
from vetting.models.registry import folded
from vetting.permissions import REVIEWER_ROLES, role_required
from vetting.services.errors import ServiceError
from vetting.services.standing import certificate_expiry_of
from vetting.views.access import get_assessment

from . import workspace


@require_GET
@role_required(*REVIEWER_ROLES)
def review_queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    queryset = (Assessment.objects.filter(state=AssessmentState.IN_REVIEW)
                .select_related("product__vendor", "created_by", "checklist_version")
                .order_by("state_changed_at", "pk"))
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            key = folded(data["q"])
            queryset = queryset.filter(Q(product__search_name__contains=key)
                                       | Q(product__vendor__search_name__contains=key))
        if data["category"]:
            queryset = queryset.filter(product__category=data["category"])
        if data["recommendation"]:
            queryset = queryset.filter(recommendation=data["recommendation"])
    page = Paginator(queryset, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "vetting/review/queue.html",
                  {"form": form, "page": page, "query": query.urlencode()})


def _review_context(request, assessment: Assessment, **forms) -> dict:
    context = workspace.summary_context(assessment)
    initial, reference = services.reference_lot_spec(assessment)
    initial["valid_until"] = services.clinic_today() + timedelta(days=365)
    # What the page shows is what the signature is checked against: a form shown again
    # carries the fingerprint of the answers it is now shown with.
    initial["reviewed"] = services.reviewed_content(assessment)
    if decision_form := forms.get("decision_form"):
        seen = decision_form.data.get("reviewed")
        if seen and seen != initial["reviewed"] and not decision_form.errors.get("__all__"):
            # Refused for another reason, but the page now shows newer answers: say so.
            messages.warning(request, "The answers or documents changed since you opened this "
                                      "page: the page now shows them. Read them again before "
                                      "signing.")
        decision_form.data = decision_form.data.copy()
        decision_form.data["reviewed"] = initial["reviewed"]
    decision_form = forms.get("decision_form") or DecisionForm(initial=initial)
    if assessment.state == AssessmentState.IN_REVIEW and (
            certificate := certificate_expiry_of(assessment)):
        decision_form.fields["valid_until"].help_text = (
            f"The GMP certificate (answer 2.2) ends on {certificate:%Y-%m-%d}: an approval "
            "lapses then if that comes first, and the product is due for re-vetting.")
    context.update({
        "answers": workspace.answers_with_evidence(assessment),
        "comments": workspace.comments_by_question(assessment),
        "comment_max": MAX_COMMENT,
        # As services.review_comment_add allows: comments are notes made during the review.
        "commentable": assessment.state in (AssessmentState.IN_REVIEW,
                                            AssessmentState.INFORMATION_REQUESTED),
        "request_form": forms.get("request_form") or InformationRequestForm(),
        "decision_form": decision_form,
        "suspend_form": forms.get("suspend_form") or SuspendForm(),
        "reference": reference,
        # What a decision on this one closes (services.review._close_older).
        "older_open": list(assessment.product.assessments.filter(
            number__lt=assessment.number, state__in=OPEN_STATES).order_by("number"))
        if assessment.state == AssessmentState.IN_REVIEW else [],
    })
    return context


@require_GET
@role_required(*REVIEWER_ROLES)
def review_page(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk, with_decision=True)
    return render(request, "vetting/review/page.html", _review_context(request, assessment))


@require_POST
@role_required(*REVIEWER_ROLES)
def review_comment(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.review_comment_add(user=request.user, assessment=assessment,
                                        **form.cleaned_data)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Comment added.")
    else:
        messages.error(request, form.errors.get("text", ["Write the comment."])[0])
    anchor = "q" + request.POST.get("question_id", "").replace(".", "_")
    return redirect(reverse("review_page", args=[pk]) + f"#{anchor}")


@require_POST
@role_required(*REVIEWER_ROLES)
def review_request_information(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    form = InformationRequestForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_request_information(user=request.user, assessment=assessment,
                                                    **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            who = form.cleaned_data["target"]
            messages.success(request, f"Information requested from the {who}.")
            return redirect("review_page", pk)
    message = form.cleaned_data.get("message") if form.is_bound else ""
    assessment = _refused(request, pk, "The request was not sent", "Request information",
                          kept=f" Your message was: “{message}”" if message else "")
    return render(request, "vetting/review/page.html",
                  _review_context(request, assessment, request_form=form), status=400)


def _refused(request, pk: int, refused: str, form_name: str, *, kept: str = "") -> Assessment:
    """The banner of a refused form, at the top (on a phone the form is screens below), and
    the assessment as it is now. Decided or sent back meanwhile (another reviewer, another
    tab), the page has no form any more: the banner says why, and `kept`, what was typed."""
    assessment = get_assessment(request.user, pk)
    if assessment.state == AssessmentState.IN_REVIEW:
        messages.error(request, f"{refused}: see the form “{form_name}” below.")
        return assessment
    decision = getattr(assessment, "decision", None)
    by = (f" by {decision.signer_name} on "
          f"{date_format(timezone.localtime(decision.signed_at), 'Y-m-d H:i')}"
          if decision else "")
    messages.error(request, f"{refused}: this assessment is now "
                            f"{assessment.get_state_display().lower()}{by}.{kept}")
    return assessment


@require_http_methods(["POST"])
@role_required(*REVIEWER_ROLES)
def review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.assessment_decide(
                user=request.user, assessment=assessment, outcome=data["outcome"],
                password=data["password"], justification=data["justification"],
                conditions=data["conditions"], valid_until=data["valid_until"],
                approved_spec=form.spec(), reviewed=data["reviewed"] or None)
        except ServiceError as exc:
            for field, message in exc.problems:  # all at once, each next to its field
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, f"{decision.get_outcome_display()}: signed by "
                                      f"{decision.signer_name}.")
            return redirect("assessment_detail", pk)
    else:  # the decision's own rules too, for what could be read: every problem at once
        data = form.cleaned_data
        if data.get("outcome"):
            rejected = data["outcome"] == "rejected"
            for field, message in services.decision_problems(
                    assessment, outcome=data["outcome"],
                    justification=data.get("justification", "").strip(),
                    conditions="" if rejected else data.get("conditions", "").strip(),
                    valid_until=None if rejected else data.get("valid_until")):
                if field not in form.errors and not (
                        field == "valid_until" and "valid_until" not in data):
                    form.add_error(field, message)
            if not rejected:  # the specification's ranges, of the values that could be read
                for field, message in services.spec_problems(form.spec())[1]:
                    if field not in form.errors:
                        form.add_error(field if field in form.fields else None, message)
    # The page must not pass for a signed decision.
    assessment = _refused(request, pk, "The decision was not signed", "Decide and sign")
    return render(request, "vetting/review/page.html",
                  _review_context(request, assessment, decision_form=form), status=400)


@require_POST
@role_required(*REVIEWER_ROLES)
def review_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    form = SuspendForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_suspend(user=request.user, assessment=assessment,
                                        reason=form.cleaned_data["reason"])
        except ServiceError as exc:  # its state: the page may no longer show the form
            messages.error(request, exc.message)
        else:
            messages.success(request, "The approval is suspended.")
            return redirect("assessment_detail", pk)
    if form.errors:
        messages.error(request, "The approval was not suspended: see the form “Suspend the "
                                "approval” below.")
    return render(request, "vetting/review/page.html",
                  _review_context(request, assessment, suspend_form=form), status=400)
