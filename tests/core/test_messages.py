from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from core.messages import error_text


def test_a_refused_service_call_reads_as_one_line_on_the_page():
    with translation.override("en"):
        assert error_text(ValidationError({"text": ["Too long."], "photos": ["Bad photo."]})) == "Too long. Bad photo."
        assert error_text(ValidationError("Only open complaints can be assigned.")) == "Only open complaints can be assigned."
        assert error_text(PermissionDenied("Not your estate.")) == "Not your estate."
        assert error_text(PermissionDenied()) == "You may not do this."
    with translation.override("zh-hans"):
        assert error_text(PermissionDenied()) == "您无权执行此操作。"
