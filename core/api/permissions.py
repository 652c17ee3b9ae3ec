"""Permission classes every app's API shares."""

from rest_framework import permissions


class ReadScopedWriteByRole(permissions.DjangoModelPermissions):
    """Anyone signed in may read what their scope shows; writes need the role's model permission.

    A write to one record also asks the view's `object_write_allowed(user, obj)`, when it has
    one: a role counts only at the estate where it is held, so the model permission alone
    (global, like Django's groups) would let a role held at one estate write another's records.
    """

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        return super().has_permission(request, view)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        allowed = getattr(view, "object_write_allowed", None)
        if allowed is None or allowed(request.user, obj):
            return True
        self.message = getattr(view, "object_write_refused", None) or self.message
        return False
