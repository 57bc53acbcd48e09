from django import template
from django.template.defaultfilters import filesizeformat

register = template.Library()


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def anchor(question_id: str) -> str:
    """The HTML id of a question's card: 'q' + the ID with dots as underscores."""
    return "q" + str(question_id).replace(".", "_")


@register.filter
def size(value) -> str:
    return filesizeformat(value)
