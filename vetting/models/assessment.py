"""Checklist versions, assessments, their answers, evidence and vendor submissions."""

from __future__ import annotations

import yaml
from django.conf import settings
from django.db import models

from vetting.checklist import Checklist, parse_checklist

from .registry import Product

# Parsed checklists by (version, SHA-256 of the stored text): a version's text never
# changes, so pages read the row without it (deferred) and it is read and parsed once.
_PARSED: dict[tuple[str, str], Checklist] = {}


class ChecklistVersion(models.Model):
    """A loaded checklist version file. Its text is stored and never changes."""

    version = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=300)
    effective = models.DateField()
    sha256 = models.CharField(max_length=64)
    source = models.TextField(help_text="The version file's text, as loaded.")
    file_name = models.CharField(max_length=255)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at"]

    def __str__(self) -> str:
        return f"Checklist v{self.version}"

    @property
    def checklist(self) -> Checklist:
        """The parsed checklist, from the stored text (cached per process)."""
        key = (self.version, self.sha256)
        if key not in _PARSED:
            _PARSED[key] = parse_checklist(yaml.safe_load(self.source),
                                           file=f"v{self.version}.yaml", sha256=self.sha256)
        return _PARSED[key]


class AssessmentState(models.TextChoices):
    DRAFT = "draft", "Draft"
    AWAITING_VENDOR = "awaiting_vendor", "Awaiting vendor"
    VENDOR_SUBMITTED = "vendor_submitted", "Vendor submitted"
    IN_REVIEW = "in_review", "In review"
    INFORMATION_REQUESTED = "information_requested", "Information requested"
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"
    SUPERSEDED = "superseded", "Superseded"
    SUSPENDED = "suspended", "Suspended"
    WITHDRAWN = "withdrawn", "Withdrawn"


DECIDED_STATES = (
    AssessmentState.APPROVED,
    AssessmentState.APPROVED_WITH_CONDITIONS,
    AssessmentState.REJECTED,
)
CLOSED_STATES = (AssessmentState.SUPERSEDED, AssessmentState.SUSPENDED, AssessmentState.WITHDRAWN)
# Answers and evidence may change only while the case is with the clinic or the vendor.
EDITABLE_STATES = (
    AssessmentState.DRAFT,
    AssessmentState.AWAITING_VENDOR,
    AssessmentState.VENDOR_SUBMITTED,
    AssessmentState.INFORMATION_REQUESTED,
)
OPEN_STATES = (*EDITABLE_STATES, AssessmentState.IN_REVIEW)


class Recommendation(models.TextChoices):
    """The engine's recommendation (vetting.checklist.Recommendation values)."""

    DO_NOT_APPROVE = "do_not_approve", "Do not approve"
    APPROVE_WITH_CONDITIONS = "approve_with_conditions", "Approve only with conditions"
    NO_OBJECTIONS = "no_objections", "No objections found"


class InformationRequestTarget(models.TextChoices):
    VENDOR = "vendor", "Vendor"
    PRACTITIONER = "practitioner", "Practitioner"


class Assessment(models.Model):
    """One vetting of one product against one checklist version."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="assessments")
    checklist_version = models.ForeignKey(
        ChecklistVersion, on_delete=models.PROTECT, related_name="assessments"
    )
    number = models.PositiveIntegerField(help_text="1 for the product's first assessment, ...")
    revets = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revetted_by",
        help_text="The earlier assessment of the same product this one re-vets or corrects.",
    )
    state = models.CharField(
        max_length=30, choices=AssessmentState.choices, default=AssessmentState.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments_created"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    # Kept up to date by services.assessment_refresh whenever answers or evidence change,
    # so lists can filter and sort by them.
    recommendation = models.CharField(
        max_length=30, choices=Recommendation.choices,
        default=Recommendation.APPROVE_WITH_CONDITIONS,
    )
    red_count = models.PositiveIntegerField(default=0)
    amber_count = models.PositiveIntegerField(default=0)
    missing_count = models.PositiveIntegerField(default=0)
    evaluated_at = models.DateTimeField(null=True, blank=True)
    information_requested_from = models.CharField(
        max_length=20, choices=InformationRequestTarget.choices, blank=True
    )
    information_request_message = models.TextField(blank=True)
    closing_reason = models.TextField(blank=True, help_text="Why it was withdrawn or suspended.")
    # Copied from its decision when it is signed (decisions never change), so that "due for
    # re-vetting" is one range of the (state, lapses_on) index, counted without a join.
    lapses_on = models.DateField(
        null=True, blank=True, editable=False,
        help_text="Its decision's lapses_on: the approval's last valid day.",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="assessment_number_unique"),
            models.CheckConstraint(
                condition=models.Q(state__in=AssessmentState.values), name="assessment_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(recommendation__in=Recommendation.values),
                name="assessment_recommendation_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-state_changed_at"]),
            # Filters by recommendation; with the id, PostgreSQL joins the products' newest
            # assessments from the index alone (the product register's filtered count).
            models.Index(fields=["recommendation", "id"], name="assessment_recommendation_idx"),
            # The dashboard's counts and newest per state of one user's assessments.
            models.Index(fields=["created_by", "state", "-state_changed_at"],
                         name="assessment_owner_state_idx"),
            # Registers count a page of products' assessments by state, and filter on
            # each product's newest assessment's state and recommendation: read from the
            # index alone (bench/pages.py).
            models.Index(fields=["product", "-number", "state", "recommendation"],
                         name="assessment_product_newest_idx"),
            # The dashboard counts open assessments by recommendation.
            models.Index(fields=["state", "recommendation"]),
            # Approvals due for re-vetting, soonest first.
            models.Index(fields=["state", "lapses_on"], name="assessment_lapses_idx"),
            # The assessment register, most recently changed first (read backwards).
            models.Index(fields=["state_changed_at", "id"], name="assessment_changed_idx"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.number} of {self.product.name}"

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if adding:  # the product's newest assessment, unless a higher number exists
            (Product.objects.filter(pk=self.product_id)
             .exclude(newest_assessment__number__gt=self.number)
             .update(newest_assessment=self))

    @property
    def checklist(self) -> Checklist:
        return self.checklist_version.checklist

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES


class AnswerSource(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    VENDOR = "vendor", "Vendor (portal)"
    PRACTITIONER_FROM_VENDOR_DOCUMENT = (
        "practitioner_from_vendor_document", "Practitioner, from a vendor document"
    )
    IMPORT = "import", "Import"
    CARRIED_OVER = "carried_over", "Carried over, to confirm"


class Answer(models.Model):
    """The fields of one question, in the dossier format's JSON form.

    `value` is {field: value} or, for a repeatable question, a list of such rows;
    it is validated against the assessment's checklist version by the services.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="answers")
    question_id = models.CharField(max_length=20)
    value = models.JSONField()
    source = models.CharField(max_length=40, choices=AnswerSource.choices)
    source_document = models.ForeignKey(
        "EvidenceDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The vendor document a practitioner entered this answer from.",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    answered_by_vendor = models.CharField(max_length=200, blank=True)
    answered_at = models.DateTimeField()
    # A vendor question's fields the clinic records (4.1's lot number read off the vial),
    # changed by a clinic user while the vendor's part stays attributed to its answerer.
    clinic_fields_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", editable=False,
    )
    clinic_fields_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["assessment_id", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question_id"], name="answer_one_per_question"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=AnswerSource.values), name="answer_source_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(source="practitioner_from_vendor_document")
                | models.Q(source_document__isnull=False),
                name="answer_from_document_names_it",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id} of assessment {self.assessment_id}"

    @property
    def answered_by_label(self) -> str:
        if self.answered_by_id:
            return _user_label(self.answered_by)
        return self.answered_by_vendor or "-"

    @property
    def clinic_fields_by_label(self) -> str:
        return _user_label(self.clinic_fields_by) if self.clinic_fields_by_id else ""


def _user_label(user) -> str:
    return user.get_full_name() or user.get_username()


def evidence_upload_to(instance: EvidenceDocument, filename: str) -> str:
    # Never the uploaded name: a generated, unguessable one (the name is kept apart).
    import uuid

    return f"evidence/{instance.assessment_id}/{uuid.uuid4().hex}"


class EvidenceDocument(models.Model):
    """One uploaded file of an assessment. Replacing it keeps this row as history."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="documents")
    question_ids = models.JSONField(default=list, help_text="Question IDs this document answers.")
    kind = models.CharField(max_length=60)
    file = models.FileField(upload_to=evidence_upload_to, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120, help_text="Detected from the content.")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_by_vendor = models.CharField(max_length=200, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replaced_by"
    )
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["assessment_id", "-uploaded_at"]
        indexes = [models.Index(fields=["assessment", "is_current"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.kind})"


class ExpectedEvidence(models.Model):
    """A document an imported dossier lists whose file the clinic does not hold yet."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="expected_documents"
    )
    question_id = models.CharField(max_length=20)
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=60)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["assessment_id", "question_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "question_id", "sha256"], name="expected_evidence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"expected {self.name} for {self.question_id}"


class VendorSubmission(models.Model):
    """Submission N of an assessment: an immutable snapshot of the vendor's answers."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="submissions"
    )
    number = models.PositiveIntegerField()
    submitted_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.CharField(max_length=200, help_text="The vendor contact or token.")
    answers = models.JSONField(help_text="{question ID: value} of the vendor questions.")
    evidence = models.JSONField(help_text="[{question, name, kind, sha256, size}] at submission.")

    class Meta:
        ordering = ["assessment_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "number"], name="submission_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Submission {self.number} of assessment {self.assessment_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("A vendor submission is a snapshot and never changes.")
        super().save(*args, **kwargs)


class DecisionOutcome(models.TextChoices):
    APPROVED = "approved", "Approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", "Approved with conditions"
    REJECTED = "rejected", "Rejected"


class Decision(models.Model):
    """A reviewer's signed decision on exactly one version of an assessment. Never changes."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.PROTECT, related_name="decision"
    )
    outcome = models.CharField(max_length=30, choices=DecisionOutcome.choices)
    conditions = models.TextField(blank=True)
    justification = models.TextField(blank=True)
    valid_until = models.DateField(null=True, blank=True, help_text="Last valid day.")
    # Copied from the answer to question 2.2 when signed (the answers of a decided assessment
    # never change), so that registers and the dashboard find what lapses by an index.
    certificate_expiry = models.DateField(
        null=True, blank=True, help_text="The GMP certificate's last valid day, as answered."
    )
    lapses_on = models.DateField(
        null=True, blank=True,
        help_text="The earlier of valid_until and certificate_expiry: the approval's last day.",
    )
    approved_spec = models.JSONField(
        default=dict, blank=True, help_text="The specification later lots must meet."
    )
    recommendation = models.CharField(max_length=30, choices=Recommendation.choices)
    red_count = models.PositiveIntegerField()
    amber_count = models.PositiveIntegerField()
    missing_count = models.PositiveIntegerField()
    # The electronic signature, as printed on the report.
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    signer_name = models.CharField(max_length=200)
    signer_role = models.CharField(max_length=100)
    signed_at = models.DateTimeField()
    meaning = models.TextField()
    content_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the answers, evidence and decision signed."
    )

    class Meta:
        ordering = ["-signed_at"]
        indexes = [
            models.Index(fields=["-signed_at"], name="decision_signed_at_idx"),
            # What has lapsed, and whose assessment, from the index alone (the dashboard).
            models.Index(fields=["lapses_on", "assessment"], name="decision_lapses_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=DecisionOutcome.values),
                name="decision_outcome_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.assessment})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A signed decision never changes.")
        kwargs["force_insert"] = True  # never an UPDATE, even for an instance with a used pk
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("A signed decision is never deleted.")


class ReviewComment(models.Model):
    """A reviewer's note on one finding (or question) of an assessment. Internal only."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="review_comments"
    )
    question_id = models.CharField(max_length=20)
    rule_id = models.CharField(max_length=80, blank=True, help_text="Blank for MISSING.")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assessment_id", "question_id", "created_at"]
        indexes = [models.Index(fields=["assessment", "question_id"])]

    def __str__(self) -> str:
        return f"Comment on {self.question_id} by {self.author}"
