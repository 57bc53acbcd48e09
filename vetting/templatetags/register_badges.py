"""The register's badges, drawn in Python.

A register page or the dashboard shows a hundred of them; an `{% include %}` per badge
group cost more than the rest of the page (bench/pages.py). The HTML is the same as the
templates drew: each value escaped by format_html.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

register = template.Library()

LIGHT = "badge text-bg-light border"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@register.simple_tag
def standing_badges(s) -> SafeString:
    """A product's standing (a vetting.services.standing.Standing) and what qualifies it:
    the days left of an approval ending soon, a re-vetting in progress, lots on hold."""
    parts = [format_html('<span class="badge {}">{}</span>', s.badge, s.label)]
    if s.expires_soon:
        left = "last day today" if s.days_left == 0 else f"{_plural(s.days_left, 'day')} left"
        parts.append(format_html('<span class="{} text-nowrap">{}</span>', LIGHT, left))
    if s.open_id and s.code != "in_progress":
        parts.append(format_html('<span class="{}">re-vetting in progress</span>', LIGHT))
    if s.lots_on_hold:
        parts.append(format_html('<span class="badge text-bg-warning">{} on hold</span>',
                                 _plural(s.lots_on_hold, "lot")))
    return format_html_join(" ", "{}", ((part,) for part in parts))


@register.simple_tag
def finding_counts(a) -> SafeString:
    """An assessment's RED, AMBER and MISSING counts (grey when zero)."""
    counts = (("RED", a.red_count, "RED findings"), ("AMBER", a.amber_count, "AMBER findings"),
              ("MISSING", a.missing_count, "Questions with no answer"))
    return format_html_join(
        "\n", '<span class="badge {}" title="{}">{} {}</span>',
        ((f"reg-count-{name}" if n else "reg-count-zero", title, name, n)
         for name, n, title in counts))


@register.simple_tag
def assessment_badges(a) -> SafeString:
    """An assessment's state, recommendation and finding counts."""
    return format_html(
        '<span class="badge reg-state reg-state-{}">{}</span>\n'
        '<span class="badge reg-rec reg-rec-{}">{}</span>\n{}',
        a.state, a.get_state_display(), a.recommendation, a.get_recommendation_display(),
        finding_counts(a))
