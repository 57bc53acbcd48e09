"""Writing and verifying the hash-chained audit trail.

Every entry's hash covers its content and the previous entry's hash, so editing
or deleting any row breaks the chain from that row on. Entries are appended under
a row lock on the chain head, inside the caller's transaction: the audit entry
commits or rolls back with the change it records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from vetting.models import GENESIS_HASH, ActorKind, AuditChainHead, AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who did something: a user, a vendor through a portal token, or the system."""

    kind: str
    label: str
    user: Any = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(ActorKind.USER, user.get_username(), user)

    @classmethod
    def vendor(cls, label: str) -> Actor:
        return cls(ActorKind.VENDOR, label[:200])

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(ActorKind.SYSTEM, label)


def _plain(value: Any) -> Any:
    """The JSON form a value is stored (and later re-read and hashed) in."""
    return None if value is None else json.loads(json.dumps(value, default=str))


def entry_hash(entry: AuditEntry) -> str:
    content = {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
        "actor_kind": entry.actor_kind,
        "actor_user": entry.actor_user_id,
        "actor_label": entry.actor_label,
        "event": entry.event,
        "assessment": entry.assessment_id,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "summary": entry.summary,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_record(
    *,
    actor: Actor,
    event: str,
    summary: str,
    obj: Any = None,
    assessment: Any = None,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry. Must run inside the transaction of the change it records."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction it records")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    entry = AuditEntry(
        seq=head.last_seq + 1,
        created_at=timezone.now(),
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_label=actor.label,
        event=event,
        assessment=assessment,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:300],
        before=_plain(before),
        after=_plain(after),
        prev_hash=head.last_hash,
    )
    entry.hash = entry_hash(entry)
    entry.save(force_insert=True)
    head.last_seq, head.last_hash = entry.seq, entry.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return entry


def chain_hash() -> str:
    """The hash of the newest entry: what an issued report carries."""
    head = AuditChainHead.objects.filter(pk=1).first()
    return head.last_hash if head else GENESIS_HASH


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    checked: int
    broken_seq: int | None = None
    problem: str = ""


def verify_chain() -> ChainCheck:
    """Walk the chain from the start; report the first entry that does not hold."""
    expected_prev, expected_seq, checked = GENESIS_HASH, 1, 0
    with transaction.atomic():
        entries = AuditEntry.objects.order_by("seq").iterator(chunk_size=2000)
        for entry in entries:
            problem = _entry_problem(entry, expected_seq, expected_prev)
            if problem:
                return ChainCheck(False, checked, expected_seq, problem)
            expected_prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
        head = AuditChainHead.objects.filter(pk=1).first()
        # A missing head counts as an empty chain: entries without it were tampered with.
        recorded = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
        if recorded != (checked, expected_prev):
            return ChainCheck(
                False, checked, checked + 1,
                f"the chain head records {recorded[0]} entries but {checked} remain: "
                "entries or the chain head were deleted",
            )
    return ChainCheck(True, checked)


def _entry_problem(entry: AuditEntry, expected_seq: int, expected_prev: str) -> str:
    if entry.seq != expected_seq:
        return f"entry #{expected_seq} is missing (the next one is #{entry.seq})"
    if entry.prev_hash != expected_prev:
        return f"entry #{entry.seq} does not follow entry #{entry.seq - 1} (previous hash differs)"
    if entry_hash(entry) != entry.hash:
        return f"entry #{entry.seq} was altered (its content does not match its hash)"
    return ""

