"""The register's badges, drawn in Python.

A register page or the dashboard shows a hundred of them; an `{% include %}` per badge
group, then format_html per badge, cost more than the rest of the page (bench/pages.py).
The HTML is the same as the templates drew, every value escaped by `_e`.
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

LIGHT = "badge text-bg-light border"


def _e(value) -> str:
    """As Django's escape (html.escape with quotes), without its lazy-string wrapper."""
    return escape(str(value), quote=True)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register.simple_tag
def standing_badges(s) -> SafeString:
    """A product's standing (a vetting.services.standing.Standing) and what qualifies it:
    the days left of an approval ending soon, a re-vetting in progress, lots on hold."""
    parts = [f'<span class="badge {_e(s.badge)}">{_e(s.label)}</span>']
    if s.expires_soon:
        left = "last day today" if s.days_left == 0 else f"{_plural(s.days_left, 'day')} left"
        parts.append(f'<span class="{LIGHT} text-nowrap">{_e(left)}</span>')
    if s.open_id and s.code != "in_progress":
        parts.append(f'<span class="{LIGHT}">re-vetting in progress</span>')
    if s.lots_on_hold:
        held = _plural(s.lots_on_hold, "lot")
        parts.append(f'<span class="badge text-bg-warning">{_e(held)} on hold</span>')
    return mark_safe(" ".join(parts))  # noqa: S308 (every value escaped above)


COUNTS = (("RED", "red_count", "RED findings"), ("AMBER", "amber_count", "AMBER findings"),
          ("MISSING", "missing_count", "Questions with no answer"))


@register.simple_tag
def finding_counts(a) -> SafeString:
    """An assessment's RED, AMBER and MISSING counts (grey when zero)."""
    spans = []
    for name, attribute, title in COUNTS:
        n = getattr(a, attribute)
        kind = f"reg-count-{name}" if n else "reg-count-zero"
        spans.append(f'<span class="badge {kind}" title="{title}">{name} {_e(n)}</span>')
    return mark_safe("\n".join(spans))  # noqa: S308 (every value escaped above)


@register.simple_tag
def assessment_badges(a) -> SafeString:
    """An assessment's state, recommendation and finding counts."""
    return mark_safe(  # noqa: S308 (every value escaped here and in finding_counts)
        f'<span class="badge reg-state reg-state-{_e(a.state)}">'
        f'{_e(a.get_state_display())}</span>\n'
        f'<span class="badge reg-rec reg-rec-{_e(a.recommendation)}">'
        f'{_e(a.get_recommendation_display())}</span>\n{finding_counts(a)}')
