"""The sidebar's approvals badge: `{% approvals_waiting_count as n %}` — at most one query per
page, none for people who approve nothing."""

from django import template

from ..panels import approvals_waiting_count as _waiting

register = template.Library()


@register.simple_tag(takes_context=True)
def approvals_waiting_count(context) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return _waiting(user)
