"""The practitioner's assessment workspace: start, guided checklist, evidence, summary."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from vetting import services
from vetting.checklist import Severity, evaluate, parse_dossier
from vetting.checklist.dossier import decode_json
from vetting.forms.checklist import (
    FILE_INPUT,
    DomainForm,
    DossierImportForm,
    ReasonForm,
    prefix,
)
from vetting.forms.portal import InvitationForm
from vetting.models import AnswerSource, Assessment, AssessmentState, ChecklistVersion
from vetting.permissions import STAFF_ROLES, role_required
from vetting.services.errors import ServiceError
from vetting.services.evaluation import current_evidence, stored_answers
from vetting.views.access import get_assessment, get_document, get_product
from vetting.views.files import stored_file_response

from . import workspace

DOSSIER_MAX_BYTES = 5 * 1024 * 1024


@require_POST
@role_required(*STAFF_ROLES)
def assessment_start(request: HttpRequest, product_id: int) -> HttpResponse:
    product = get_product(request.user, product_id)
    version = None
    if request.POST.get("checklist_version"):
        chosen = request.POST["checklist_version"]
        version = ChecklistVersion.objects.filter(pk=chosen).first() if chosen.isdigit() else None
        if version is None:
            raise Http404
    try:
        assessment = services.assessment_create(user=request.user, product=product,
                                                checklist_version=version)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("product_detail", product.pk)
    messages.success(request, f"Assessment {assessment.number} of {product.name} started.")
    return redirect("assessment_step", assessment.pk, assessment.checklist.domains[0].id)


@require_GET
@role_required(*STAFF_ROLES)
def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_summary(request, get_assessment(request.user, pk, with_decision=True))


def render_summary(request: HttpRequest, assessment: Assessment, *, status: int = 200,
                   invitation_form: InvitationForm | None = None) -> HttpResponse:
    """The summary page; with a refused invitation's form, its values and errors."""
    context = workspace.summary_context(assessment)
    context["withdraw_form"] = ReasonForm()
    # The latest invitation (with its contact and sender) and whom a new one may go to.
    context["invitation"] = assessment.invitations.select_related("contact", "created_by").first()
    context["contacts"] = assessment.product.vendor.contacts.all()  # read if the form shows
    # Listed by an imported dossier and not uploaded yet (no current file of that SHA-256
    # for that question).
    held = {(document.sha256, qid) for document in context["documents"]
            for qid in document.question_ids}
    question = assessment.checklist.question
    context["expected"] = [
        {"item": expected, "url": reverse("assessment_step", args=[
            assessment.pk, question(expected.question_id).domain_id])
            + "#" + prefix(question(expected.question_id))}
        for expected in assessment.expected_documents.all()
        if (expected.sha256, expected.question_id) not in held]
    context["invitation_form"] = invitation_form or InvitationForm(
        vendor=assessment.product.vendor)
    return render(request, "vetting/assessments/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def assessment_step(request: HttpRequest, pk: int, domain_id: str) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    checklist = assessment.checklist
    if domain_id not in {d.id for d in checklist.domains}:
        raise Http404
    documents = workspace.current_documents(assessment)
    if request.method == "POST":  # a replaced version posted stands for its successor
        workspace.with_previous_versions(assessment, documents)
    answers = workspace.step_answers(assessment)

    def domain_form(documents, *, posted: bool = request.method == "POST") -> DomainForm:
        return DomainForm(request.POST if posted else None,
                          checklist=checklist, domain_id=domain_id,
                          stored={a.question_id: a.value for a in answers},
                          documents=documents, editable=assessment.is_editable,
                          carried=frozenset(a.question_id for a in answers
                                            if a.source == AnswerSource.CARRIED_OVER),
                          sources=workspace.answer_sources(assessment, answers, documents))

    form = domain_form(documents)
    errors: dict[str, str] = {}
    conflicts = []
    if request.method == "POST":
        if not assessment.is_editable:
            messages.error(request, "This assessment is "
                           f"{assessment.get_state_display().lower()}: its answers are locked.")
            return redirect("assessment_step", pk, domain_id)
        if form.is_valid():
            # Nothing is saved over an answer changed since the page was loaded, unseen:
            # judged under the assessment's lock against the answers stored now, so no
            # other save comes between the check and the write.
            with services.answers_locked(assessment=assessment):
                if _answers_moved(answers, fresh := workspace.step_answers(assessment)):
                    answers = fresh  # the form reads them
                    form = domain_form(documents)
                conflicts = form.conflicting_questions() if form.is_valid() else []
                if conflicts:
                    errors = workspace.changed_meanwhile(
                        form, conflicts, {a.question_id: a for a in answers})
                    messages.error(request, format_html(
                        "The answers were not saved: {} changed since you opened this page.",
                        _numbered(conflicts)))
                elif form.is_valid():
                    errors = _save_step(request, assessment, form, documents)
        if form.is_valid() and not errors:
            messages.success(request, "Saved.")
            if kept := form.kept_questions():
                messages.info(request, format_html(
                    "Also: {} {} changed by someone else since you opened this page, and "
                    "you left {} as shown: {}.", _numbered(kept),
                    *(["was", "it", "their answer stands"] if len(kept) == 1
                      else ["were", "them", "theirs stand"])))
        elif not form.is_valid():
            messages.error(request, "The answers were not saved: some need correcting, see "
                                    "the messages below.")
        # A chosen file is stored whether or not the answers could be saved: a vendor's
        # answer is entered from its document, which has to be uploaded first.
        anchor, refused = _store_chosen_files(request, assessment, form, documents)
        if form.is_valid() and not errors:
            if not refused:
                return _after_save(request, assessment, domain_id, anchor)
            # Saved, but a file was refused: the step as now stored, with the refusal at
            # its question (after a redirect it showed only at the top, out of sight).
            answers = workspace.step_answers(assessment)
            documents = workspace.current_documents(assessment)
            context = workspace.step_context(assessment, domain_id,
                                             domain_form(documents, posted=False), documents,
                                             refused, answers)
            return render(request, "vetting/assessments/step.html", context)
        errors = {qid: " ".join(filter(None, [errors.get(qid), refused.get(qid)]))
                  for qid in {**errors, **refused}}
        if request.FILES:  # the answers, as typed, may now name the document just stored
            # The save's own marks (a vendor answer naming no document) outlive the rebuild.
            marked = {name: problems for name, problems in form.errors.items()
                      if name.endswith("__document")}
            documents = workspace.current_documents(assessment)
            form = domain_form(documents)
            form.is_valid()
            for name, problems in marked.items():
                if name in form.fields and name not in form.errors:
                    for problem in problems:
                        form.add_error(name, problem)
        form.take_as_loaded(conflicts)  # named now: saving again replaces them
    context = workspace.step_context(assessment, domain_id, form, documents, errors, answers)
    return render(request, "vetting/assessments/step.html", context)


def _answers_moved(before: list, now: list) -> bool:
    """Whether any stored answer (its value, source or document) changed between two reads."""
    def key(answers: list) -> dict:
        return {a.pk: (a.question_id, a.value, a.source, a.source_document_id, a.answered_at,
                       a.clinic_fields_at) for a in answers}
    return key(before) != key(now)


def _numbered(questions: list) -> str:
    """"the answer to 1.2", "the answers to 1.2 and 1.4", each linked to its question (on a
    phone it can be screens below the message)."""
    links = [format_html('<a href="#{}">{}</a>', prefix(q), q.id) for q in questions]
    if len(links) == 1:
        return format_html("the answer to {}", links[0])
    return format_html("the answers to {} and {}",
                       format_html_join(", ", "{}", ((link,) for link in links[:-1])), links[-1])


class _NotSaved(Exception):
    """Rolls the step's writes back after every answer has been tried."""


def _save_step(request, assessment: Assessment, form: DomainForm, documents) -> dict[str, str]:
    """Write every changed answer of the step, all or nothing; return errors by question.
    Each vendor answer that names no vendor document is marked at its select, all of them
    at once (one at a time, a user fixed one, saved, and met the next)."""
    by_id = {str(d.pk): d for d in documents}
    unnamed = {}
    try:
        with transaction.atomic():
            for question in form.changed_questions():
                document = None
                if question.by == "vendor":
                    document = by_id.get(form.cleaned_data.get(f"{prefix(question)}__document"))
                try:
                    services.answer_set(assessment=assessment, question_id=question.id,
                                        value=form.question_value(question), user=request.user,
                                        source_document=document)
                except ServiceError as exc:
                    if exc.field == "source_document":
                        unnamed[question.id] = exc
                        continue
                    exc.question_id = question.id
                    raise
            if unnamed:
                raise _NotSaved
    except ServiceError as exc:
        messages.error(request, "The answers were not saved: " + exc.message)
        return {getattr(exc, "question_id", ""): exc.message}
    except _NotSaved:
        first = next(iter(unnamed.values()))
        messages.error(request, "The answers were not saved: " + (
            first.message if len(unnamed) == 1 else
            f"{len(unnamed)} answers entered for the vendor name no vendor document "
            f"({', '.join(unnamed)}): choose, at each, the document it was entered from."))
        for qid, exc in unnamed.items():  # at its select, marked invalid
            form.add_error(f"{prefix(form.checklist.question(qid))}__document", exc.message)
        return {qid: "Choose below the vendor document this answer was entered from."
                for qid in unnamed}
    return {}


def _store_chosen_files(request, assessment: Assessment, form: DomainForm,
                        documents) -> tuple[str | None, dict[str, str]]:
    """Store each file chosen on the step (inputs `file-<question>-<kind>`, and
    `replace-<document>` for a new version of one). Uploading is part of saving the step,
    so nothing typed before it is lost. Returns the question to come back to (the one whose
    Upload button was pressed, or the last one a file was chosen for) and, by question ID,
    why a file chosen for it was refused."""
    questions = {prefix(q): q for q in form.questions}
    current = {str(d.pk): d for d in documents}
    anchor, chosen, refused = None, set(), {}
    for name, uploads in request.FILES.lists():
        target = _file_target(name, questions, current)
        for upload in uploads:
            if target is None:
                messages.error(request, f"{upload.name} was not stored: "
                                        f"{_why_no_target(assessment, name, questions, chosen)}")
                continue
            question, kind, replaces = target
            if problem := _upload_document(request, assessment, question.id, kind, upload,
                                           replaces):
                refused[question.id] = " ".join(filter(None, [refused.get(question.id),
                                                              problem]))
            anchor = prefix(question)
            chosen.add(anchor)
    pressed = request.POST.get("upload")
    if pressed in questions and pressed not in chosen:
        messages.warning(request, f"No file was chosen for question {questions[pressed].id}: "
                                  "choose one, then press Upload.")
    return (pressed if pressed in questions else anchor), refused


def _why_no_target(assessment: Assessment, name: str, questions: dict, chosen: set) -> str:
    """Why a file input of the step names nothing to store it for: mostly a page older
    than a replacement made since (another tab, a form sent twice)."""
    match = FILE_INPUT.fullmatch(name)
    old = (assessment.documents.filter(pk=match["document"], is_current=False).first()
           if match and match["document"] else None)
    if old is None:
        return "no question of this step asks for it."
    chosen.update(prefix(q) for q in questions.values() if q.id in old.question_ids)
    newer = assessment.documents.filter(replaces=old).first()
    return (f"{old.original_name} had already been replaced"
            f"{f' by {newer.original_name}' if newer else ''} since this page was opened: the "
            "step now shows the current version; replace that one if need be.")


def _file_target(name: str, questions: dict, current: dict):
    """(question, kind, document replaced or None) of a step's file input, or None."""
    match = FILE_INPUT.fullmatch(name)
    if match is None:
        return None
    if match["document"]:
        document = current.get(match["document"])
        here = [q for q in questions.values() if document and q.id in document.question_ids]
        return (here[0], document.kind, document) if here else None
    question = questions.get(match["anchor"])
    return (question, match["kind"], None) if question else None


def _upload_document(request, assessment: Assessment, question_id: str, kind: str, upload,
                     replaces=None) -> str | None:
    """Store one file; None, or why it was refused (also said at the top of the page)."""
    try:
        document = services.evidence_upload(assessment=assessment, question_id=question_id,
                                            kind=kind, upload=upload, user=request.user,
                                            replaces=replaces)
    except ServiceError as exc:
        problem = f"{upload.name} was not stored: {exc.message}"
        messages.error(request, problem)
        return problem
    messages.success(request, f"{document.original_name} uploaded "
                              f"(SHA-256 {document.sha256[:12]}…).")
    return None


def _after_save(request, assessment: Assessment, domain_id: str,
                anchor: str | None = None) -> HttpResponse:
    if anchor is not None and "save_next" not in request.POST:
        url = reverse("assessment_step", args=[assessment.pk, domain_id])
        return redirect(f"{url}#{anchor}")
    if "save_next" in request.POST:
        ids = [d.id for d in assessment.checklist.domains]
        position = ids.index(domain_id)
        if position + 1 < len(ids):
            return redirect("assessment_step", assessment.pk, ids[position + 1])
        return redirect("assessment_detail", assessment.pk)
    return redirect("assessment_step", assessment.pk, domain_id)


@require_POST
@role_required(*STAFF_ROLES)
def assessment_preview(request: HttpRequest, pk: int, domain_id: str) -> JsonResponse:
    """Applicability and findings for the posted, unsaved answers (the step's live update)."""
    assessment = get_assessment(request.user, pk)
    checklist = assessment.checklist
    if domain_id not in {d.id for d in checklist.domains}:
        raise Http404
    form = DomainForm(request.POST, checklist=checklist, domain_id=domain_id,
                      stored=stored_answers(assessment),
                      documents=workspace.current_documents(assessment))
    form.is_valid()  # fields that clean are used; the others keep their stored answers
    answers = workspace.merged_answers(assessment, form)
    typed = parse_dossier({"checklist_version": checklist.version, "answers": answers},
                          checklists=lambda _: checklist)
    evaluation = evaluate(checklist, typed.answers, current_evidence(assessment),
                          on_date=services.clinic_today())
    panel = render_to_string("vetting/assessments/_findings_panel.html",
                             workspace.panel_context(assessment, evaluation, domain_id))
    return JsonResponse({"not_applicable": list(evaluation.not_applicable), "panel": panel})


@require_GET
@role_required(*STAFF_ROLES)
def evidence_download(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    document = get_document(request.user, pk, document_id)
    services.evidence_download_record(user=request.user, document=document)
    return stored_file_response(request, document.file, filename=document.original_name,
                                content_type=document.content_type)


@require_GET
@role_required(*STAFF_ROLES)
def assessment_export(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    dossier = services.assessment_export(user=request.user, assessment=assessment)
    response = HttpResponse(json.dumps(dossier, indent=2, ensure_ascii=False) + "\n",
                            content_type="application/json; charset=utf-8")
    name = f"assessment-{assessment.pk}-dossier.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_http_methods(["GET", "POST"])
@role_required(*STAFF_ROLES)
def assessment_import(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    posted = request.method == "POST"
    form = DossierImportForm(request.POST if posted else None, request.FILES if posted else None)
    if request.method == "POST" and form.is_valid():
        data = _read_dossier(form)
        if data is not None and not form.cleaned_data["other_product"] and (
                other := _other_product(data, assessment)):
            form.add_error("other_product", f"This dossier is for {other}, not "
                                            f"{assessment.product.name} of "
                                            f"{assessment.product.vendor.name}: choose the "
                                            "file again and tick the box to import it anyway.")
            form.fields["other_product"].widget = forms.CheckboxInput()
            data = None
        if data is not None:
            try:
                result = services.assessment_import(user=request.user, assessment=assessment,
                                                    data=data)
            except ServiceError as exc:
                for _field, message in exc.problems:  # a dossier's, all at once
                    form.add_error("file", message)
            else:
                matched, expected = result.matched_documents, len(result.expected_documents)
                same = (f" ({result.unchanged} more as already recorded: kept as they "
                        "were, with who gave them)") if result.unchanged else ""
                messages.success(request, f"Imported {result.answers} "
                                          f"answer{pluralize(result.answers)}{same}; "
                                          f"{matched} document{pluralize(matched)} matched, "
                                          f"{expected} expected.")
                return redirect("assessment_detail", pk)
    return render(request, "vetting/assessments/import.html",
                  {"assessment": assessment, "form": form})


def _other_product(data: dict, assessment: Assessment) -> str | None:
    """How a dossier names its product, when that is not this assessment's (None if it is,
    or if it names none): its answers would replace this product's."""
    named = data.get("product") if isinstance(data, dict) else None
    if not isinstance(named, dict):
        return None
    name, vendor = named.get("name"), named.get("vendor")
    product = assessment.product

    def same(a, b) -> bool:
        return not isinstance(a, str) or " ".join(a.split()).casefold() == " ".join(
            b.split()).casefold()

    if same(name, product.name) and same(vendor, product.vendor.name):
        return None
    return " of ".join(str(part) for part in (name, vendor) if isinstance(part, str))


def _read_dossier(form: DossierImportForm):
    upload = form.cleaned_data["file"]
    if upload.size > DOSSIER_MAX_BYTES:
        form.add_error("file", "The dossier is larger than 5 MB.")
        return None
    try:
        data = decode_json(upload.read().decode("utf-8"))
    except UnicodeDecodeError:
        form.add_error("file", "This is not a JSON dossier: the file is not UTF-8 text.")
    except ValueError as exc:
        form.add_error("file", f"This is not a JSON dossier: {exc}.")
    else:
        if data is not None:
            return data
        form.add_error("file", "This is not a JSON dossier: it holds only null.")
    return None


ACTIONS = {
    # Inviting the vendor sends a portal link: vetting/views/portal_staff.py.
    "submit": lambda request, a: services.assessment_submit_for_review(user=request.user,
                                                                      assessment=a),
    "resubmit": lambda request, a: services.assessment_resubmit(user=request.user,
                                                               assessment=a),
    "withdraw": lambda request, a: services.assessment_withdraw(
        user=request.user, assessment=a, reason=request.POST.get("reason", "")),
}


@require_POST
@role_required(*STAFF_ROLES)
def assessment_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        assessment = ACTIONS[action](request, assessment)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The assessment is now "
                                  f"{AssessmentState(assessment.state).label.lower()}.")
    return redirect("assessment_detail", pk)


@require_GET
@role_required(*STAFF_ROLES)
def assessment_audit(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = get_assessment(request.user, pk)
    entries = assessment.audit_entries.select_related("actor_user").order_by("seq")
    return render(request, "vetting/assessments/audit.html",
                  {"assessment": assessment, "entries": entries, "Severity": Severity})
