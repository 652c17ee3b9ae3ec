"""The bell in the dashboard header: `{% inbox_unread_count as n %}` — one COUNT per page."""

from django import template

from ..selectors import inbox_unread_count as _unread_count

register = template.Library()


@register.simple_tag(takes_context=True)
def inbox_unread_count(context) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return _unread_count(user)
