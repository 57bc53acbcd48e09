"""The vendor portal (/v/<token>/): the vendor's questions, documents and submission.

Every view goes through `portal_view`: rate limit per client address (shared cache),
then the token, never the session: a logged-in clinic user gets exactly what the
vendor gets. Unknown token: 404 with no hint; expired or revoked: 410 naming whom
to contact. The token is in the URL, so responses are not indexed and send no referrer.

No CSRF token: with "Referrer-Policy: no-referrer" browsers post with "Origin: null",
which Django's CSRF check refuses. It is not needed either: the portal never acts on
the session or a cookie, only on the token in the URL, which a forging site cannot know.
"""

from __future__ import annotations

from collections import defaultdict
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import is_ratelimited

from clinic.client_ip import client_ip
from vetting import services
from vetting.checklist import Evaluation, Severity, evaluate, parse_dossier
from vetting.forms.checklist import FILE_INPUT, DomainForm, prefix
from vetting.models import OPEN_STATES, AssessmentState, Invitation
from vetting.services import portal as portal_services
from vetting.services.answers import vendor_may_write
from vetting.services.errors import ServiceError
from vetting.services.evaluation import carried_over_ids, current_evidence, stored_answers
from vetting.services.lifecycle import carried_to_confirm

from . import workspace

VENDOR = "vendor"


def client_address(group: str, request: HttpRequest) -> str:
    """The address a rate limit counts: the peer, or the one our proxy appended."""
    return client_ip(request) or "unknown"


def _limited(request: HttpRequest, group: str) -> bool:
    if group == "preview":
        rate = settings.PORTAL_RATE_PREVIEW
    else:
        rate = settings.PORTAL_RATE_POST if request.method == "POST" else settings.PORTAL_RATE_GET
    return is_ratelimited(request, group=f"portal-{group}-{request.method}",
                          key=client_address, rate=rate, method=request.method,
                          increment=True)


def _private(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


def portal_view(methods: list[str], group: str = "pages"):
    """Rate limit, resolve the token to a live invitation, then call view(request, inv)."""

    def decorator(view):
        @wraps(view)
        @csrf_exempt
        @never_cache
        @require_http_methods(methods)
        def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
            if _limited(request, group):
                return _private(render(request, "vetting/portal/rate_limited.html", status=429))
            invitation = portal_services.invitation_for_token(token)
            if invitation is None:
                return _private(render(request, "vetting/portal/not_found.html", status=404))
            if not invitation.is_live:
                return _private(render(request, "vetting/portal/gone.html",
                                       {"invitation": invitation}, status=410))
            if group == "pages":  # any page of the link, not only its home (a bookmark)
                portal_services.invitation_opened(invitation)
            try:
                response = view(request, invitation, token, *args, **kwargs)
            except Http404:
                response = render(request, "vetting/portal/not_found.html", status=404)
            return _private(response)

        return wrapper

    return decorator


# --- Context ------------------------------------------------------------------------


def vendor_questions(checklist, domain_id: str | None = None) -> list:
    domains = [checklist.domain(domain_id)] if domain_id else checklist.domains
    return [checklist.question(q) for d in domains for q in d.question_ids
            if checklist.question(q).by == VENDOR]


def vendor_domains(checklist) -> list:
    return [d for d in checklist.domains if vendor_questions(checklist, d.id)]


def _document_labels(question, kinds) -> list[str]:
    labels = {f.kind: f.label for f in question.documents}
    return [labels.get(kind, kind) for kind in kinds]


def outstanding(assessment, evaluation: Evaluation) -> dict[str, list[dict[str, Any]]]:
    """Per domain: the vendor's applicable questions unanswered, missing a document, or
    answered in the last assessment and not yet confirmed (a re-vetting)."""
    checklist = assessment.checklist
    unanswered = {f.question_id for f in evaluation.findings if f.severity == Severity.MISSING}
    to_confirm = set(carried_to_confirm(assessment, evaluation, by="vendor"))
    documents = {gap.question_id: gap.documents
                 for score in evaluation.scores for gap in score.gaps if gap.documents}
    applicable = set(evaluation.applicable)
    result: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for question in vendor_questions(checklist):
        if question.id not in applicable:
            continue
        missing_docs = _document_labels(question, documents.get(question.id, ()))
        if question.id in unanswered or missing_docs or question.id in to_confirm:
            result[question.domain_id].append({
                "q": question, "anchor": prefix(question),
                "unanswered": question.id in unanswered,
                "to_confirm": question.id in to_confirm,
                "documents": missing_docs})
    return result


def overview_rows(assessment, evaluation: Evaluation) -> list[dict[str, Any]]:
    checklist = assessment.checklist
    applicable = set(evaluation.applicable)
    unanswered = {f.question_id for f in evaluation.findings if f.severity == Severity.MISSING}
    todo = outstanding(assessment, evaluation)
    rows = []
    for domain in vendor_domains(checklist):
        ids = [q.id for q in vendor_questions(checklist, domain.id) if q.id in applicable]
        answered = sum(1 for qid in ids if qid not in unanswered)
        items = todo.get(domain.id, [])
        rows.append({"domain": domain, "applicable": len(ids), "answered": answered,
                     "percent": round(100 * answered / len(ids)) if ids else 100,
                     "todo": items,
                     # Answered in the last assessment, not confirmed yet (a re-vetting).
                     "to_confirm": sum(1 for item in items if item["to_confirm"])})
    return rows


def _base_context(invitation: Invitation, token: str) -> dict[str, Any]:
    assessment = invitation.assessment
    return {"invitation": invitation, "token": token, "assessment": assessment,
            "product": assessment.product, "clinic_contact": invitation.created_by,
            "open": vendor_may_write(assessment),
            "information_request": (assessment.information_request_message
                                    if vendor_may_write(assessment)
                                    and assessment.state == "information_requested" else "")}


def _closed(request, invitation: Invitation, token: str) -> HttpResponse:
    """What the link shows once the vendor may no longer write: its last submission, and
    whether the clinic still reviews it, withdrew the assessment or finished (never what it
    decided)."""
    context = _base_context(invitation, token)
    context["submission"] = invitation.assessment.submissions.order_by("-number").first()
    state = invitation.assessment.state
    context["ended"] = ("withdrawn" if state == AssessmentState.WITHDRAWN
                        else "" if state in OPEN_STATES else "reviewed")
    return render(request, "vetting/portal/closed.html", context)


# --- Views --------------------------------------------------------------------------


@portal_view(["GET"])
def portal_home(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    assessment = invitation.assessment
    if not vendor_may_write(assessment):
        return _closed(request, invitation, token)
    evaluation = services.assessment_evaluation(assessment)
    rows = overview_rows(assessment, evaluation)
    context = {**_base_context(invitation, token), "rows": rows,
               # "Continue" opens the first section with something left to do.
               "next_row": next((row for row in rows if row["todo"]), rows[0] if rows else None),
               "total": sum(r["applicable"] for r in rows),
               "answered": sum(r["answered"] for r in rows),
               "to_confirm": sum(r["to_confirm"] for r in rows),
               "submissions": assessment.submissions.count()}
    return render(request, "vetting/portal/home.html", context)


def _step_form(invitation: Invitation, domain_id: str, data=None) -> DomainForm:
    assessment = invitation.assessment
    return DomainForm(data, checklist=assessment.checklist, domain_id=domain_id,
                      stored=stored_answers(assessment), documents=[], only_by=VENDOR,
                      carried=carried_over_ids(assessment))


def _check_domain(invitation: Invitation, domain_id: str) -> None:
    if domain_id not in {d.id for d in vendor_domains(invitation.assessment.checklist)}:
        raise Http404


@portal_view(["GET", "POST"])
def portal_step(request: HttpRequest, invitation: Invitation, token: str,
                domain_id: str) -> HttpResponse:
    _check_domain(invitation, domain_id)
    if not vendor_may_write(invitation.assessment):
        return _closed(request, invitation, token)
    form = _step_form(invitation, domain_id, request.POST if request.method == "POST" else None)
    errors: dict[str, str] = {}
    if request.method == "GET":
        context = step_context(invitation, token, domain_id, form, errors)
        context["saved"] = "saved" in request.GET
        context["uploaded"] = "uploaded" in request.GET
        return render(request, "vetting/portal/step.html", context)
    saved, conflicts = False, []
    if form.is_valid():
        # Nothing is saved over an answer changed since the page was loaded: judged under
        # the assessment's lock, against the answers stored now (as on the clinic's step).
        with services.answers_locked(assessment=invitation.assessment):
            if stored_answers(invitation.assessment) != form.stored:
                form = _step_form(invitation, domain_id, request.POST)
            conflicts = form.conflicting_questions() if form.is_valid() else []
            if conflicts:
                answers = {a.question_id: a for a in invitation.assessment.answers.filter(
                    question_id__in=[q.id for q in conflicts]).select_related("answered_by")}
                errors.update(workspace.changed_meanwhile(form, conflicts, answers,
                                                          for_vendor=True))
                errors[""] = ("Your answers were not saved: "
                              f"{', '.join(q.id for q in conflicts)} changed since you opened "
                              "this page (see below).")
            elif form.is_valid():
                values = {q.id: form.question_value(q) for q in form.changed_questions()}
                try:
                    portal_services.portal_answers_save(invitation=invitation, values=values)
                except ServiceError as exc:
                    errors[exc.field or ""] = exc.message
                else:
                    saved = True
    # The files chosen on the section go with it, whether or not its answers could be saved
    # (uploading never loses what was typed on the page).
    stored, upload_errors = _store_chosen_files(request, invitation, form)
    if saved and not upload_errors:
        pressed = request.POST.get("upload")
        return _after_save(request, invitation, token, domain_id, uploaded=bool(stored),
                           anchor=pressed if pressed in {prefix(q) for q in form.questions}
                           else None)
    if saved or stored:  # the answers as typed, over what is now stored and confirmed
        form = _step_form(invitation, domain_id, request.POST)
        form.is_valid()
    # Shown again, the page shows what is stored now (just saved) or names it (a conflict):
    # its next save is judged against that.
    form.take_as_loaded(form.questions if saved else conflicts)
    context = step_context(invitation, token, domain_id, form, errors,
                           upload_errors=upload_errors)
    context["saved"], context["uploaded"] = saved, bool(stored)
    return render(request, "vetting/portal/step.html", context, status=400)


def _store_chosen_files(request, invitation: Invitation,
                        form: DomainForm) -> tuple[list, dict[str, str]]:
    """Store each file chosen on the section (input `file-<question>-<kind>`, and
    `replace-<document>` for a new version of one the vendor uploaded): the stored
    documents, and a message for each question whose file was refused."""
    questions = {prefix(q): q for q in form.questions}
    stored, refused = [], {}
    for name, uploads in request.FILES.lists():
        question, kind, replaces = _file_target(invitation, name, questions)
        for upload in uploads:
            if question is None:
                refused[""] = (f"{upload.name} was not stored: no question here asks for it "
                               "(or the document it was to replace was replaced meanwhile).")
                continue
            try:
                stored.append(portal_services.portal_upload(
                    invitation=invitation, question_id=question.id, kind=kind,
                    upload=upload, replaces=replaces))
            except ServiceError as exc:
                message = f"{upload.name} was not stored: {exc.message}"
                refused[question.id] = " ".join(filter(None, [refused.get(question.id),
                                                              message]))
    pressed = request.POST.get("upload")
    if pressed in questions and not request.FILES:
        refused[questions[pressed].id] = "Choose a file, then press Upload."
    return stored, refused


def _file_target(invitation: Invitation, name: str, questions: dict):
    """(question, kind, document replaced or None) of a section's file input; (None, None,
    None) when it names nothing here."""
    match = FILE_INPUT.fullmatch(name)
    if match is None:
        return None, None, None
    if not match["document"]:
        return questions.get(match["anchor"]), match["kind"], None
    document = invitation.assessment.documents.filter(
        pk=match["document"], is_current=True).exclude(uploaded_by_vendor="").first()
    here = [q for q in questions.values() if document and q.id in document.question_ids]
    return (here[0], document.kind, document) if here else (None, None, None)


def _after_save(request, invitation: Invitation, token: str, domain_id: str, *,
                uploaded: bool = False, anchor: str | None = None) -> HttpResponse:
    if "save_next" in request.POST:
        ids = [d.id for d in vendor_domains(invitation.assessment.checklist)]
        position = ids.index(domain_id)
        if position + 1 < len(ids):
            return redirect(reverse("portal_step", args=[token, ids[position + 1]]) + "?saved=1")
        return redirect(reverse("portal_submit", args=[token]))
    # "Document uploaded." where the document is: on this section, at its question.
    return redirect(reverse("portal_step", args=[token, domain_id]) + "?saved=1"
                    + ("&uploaded=1" if uploaded else "") + (f"#{anchor}" if anchor else ""))


def step_context(invitation: Invitation, token: str, domain_id: str, form: DomainForm,
                 errors: dict[str, str], upload_errors: dict[str, str] | None = None) -> dict:
    assessment = invitation.assessment
    checklist = assessment.checklist
    evaluation = services.assessment_evaluation(assessment)
    documents = defaultdict(list)
    for document in workspace.current_documents(assessment):
        for qid in document.question_ids:
            documents[qid].append(document)
    not_applicable = set(evaluation.not_applicable)
    questions = [{
        "q": question, "anchor": prefix(question), "na": question.id in not_applicable,
        "fields": form.bound_fields(question), "documents": documents.get(question.id, []),
        "document_fields": question.documents, "error": errors.get(question.id),
        "upload_error": (upload_errors or {}).get(question.id),
        "to_confirm": question.id in form.carried,
    } for question in form.questions]
    ids = [d.id for d in vendor_domains(checklist)]
    position = ids.index(domain_id)
    return {**_base_context(invitation, token), "domain": checklist.domain(domain_id),
            "form": form, "questions": questions, "errors": errors,
            "not_saved": form.is_bound and bool(form.errors or errors),  # unsaved.js
            "other_error": errors.get("") or (upload_errors or {}).get(""),
            # Also above the section: on a phone the question can be screens below.
            "refused_uploads": [{"question_id": q["q"].id, "anchor": q["anchor"],
                                 "message": q["upload_error"]}
                                for q in questions if q["upload_error"]],
            "rows": overview_rows(assessment, evaluation),
            "position": position + 1, "count": len(ids),
            "next_domain": ids[position + 1] if position + 1 < len(ids) else None,
            "previous_domain": ids[position - 1] if position else None,
            "upload_limit": settings.UPLOAD_MAX_BYTES}


@portal_view(["POST"], group="preview")
def portal_preview(request: HttpRequest, invitation: Invitation, token: str,
                   domain_id: str) -> JsonResponse:
    """Which questions apply given the posted, unsaved answers (no findings: staff only)."""
    _check_domain(invitation, domain_id)
    assessment = invitation.assessment
    form = _step_form(invitation, domain_id, request.POST)
    form.is_valid()
    answers = workspace.merged_answers(assessment, form)
    checklist = assessment.checklist
    typed = parse_dossier({"checklist_version": checklist.version, "answers": answers},
                          checklists=lambda _: checklist)
    evaluation = evaluate(checklist, typed.answers, current_evidence(assessment),
                          on_date=services.clinic_today())
    return JsonResponse({"not_applicable": list(evaluation.not_applicable)})


@portal_view(["GET", "POST"])
def portal_submit(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    assessment = invitation.assessment
    if not vendor_may_write(assessment):
        return _closed(request, invitation, token)
    error = ""
    if request.method == "POST":
        try:
            portal_services.portal_submit(invitation=invitation)
        except ServiceError as exc:
            error = exc.message
        else:
            return redirect("portal_done", token)
    evaluation = services.assessment_evaluation(assessment)
    rows = overview_rows(assessment, evaluation)
    missing = [item for row in rows for item in row["todo"]]
    context = {**_base_context(invitation, token), "rows": rows, "error": error,
               "missing": missing, "to_confirm": any(item["to_confirm"] for item in missing)}
    return render(request, "vetting/portal/submit.html", context, status=400 if error else 200)


@portal_view(["GET"])
def portal_done(request: HttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    return _closed(request, invitation, token)
