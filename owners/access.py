"""View decorators: which side of the product a signed-in user belongs to."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .permissions import is_staff_member


def staff_required(view):
    """Staff with at least one estate (or a company-wide role). Residents get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_member(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def resident_required(view):
    """Residents with a portal account. Staff get 403 (they use the dashboard)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_resident or not hasattr(request.user, "resident"):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def perm_required(perm):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
