"""Sign-in, password reset and invitation activation, for staff and residents alike."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit

from ..auth import identifier_key
from ..forms import ActivationForm, IdentifierPasswordResetForm, SignInForm
from ..services import invitation_accept, invitation_from_token


@method_decorator(ratelimit(key="ip", rate=lambda g, r: settings.LOGIN_RATE, method="POST", block=True), name="post")
class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@ratelimit(key="ip", rate=lambda g, r: settings.PASSWORD_RESET_RATE, method="POST", block=True)
def password_reset(request):
    form = IdentifierPasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Past the per-number limit nothing is sent, but the answer is the same as ever, so it
        # tells nobody whether the account exists or how often it was asked for.
        if not _password_reset_limited(request, form.cleaned_data["identifier"]):
            form.save(language=get_language())
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


def _password_reset_limited(request, identifier: str) -> bool:
    """Count one reset request for this mobile or e-mail, from any address; True when over
    PASSWORD_RESET_IDENTIFIER_RATE (each one sends an SMS or e-mail to that person)."""
    key = identifier_key(identifier)
    return is_ratelimited(request, group="password-reset-identifier", key=lambda g, r: key,
                          rate=settings.PASSWORD_RESET_IDENTIFIER_RATE, increment=True)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("password_reset_complete")


@sensitive_post_parameters("new_password1", "new_password2")
def activate(request, token):
    """The link in an invitation: choose a password, get an account, land in the portal."""
    try:
        invitation = invitation_from_token(token)
    except ValidationError as exc:
        return render(request, "registration/activation_invalid.html", {"reason": exc.messages[0]}, status=410)
    form = ActivationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            whole_form = getattr(exc, "code", None) in {"used", "revoked", "expired", "clash"}
            form.add_error(None if whole_form else "new_password2", exc)
        else:
            login(request, user, backend="owners.auth.IdentifierBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("portal:home")
    return render(request, "registration/activate.html", {"form": form, "resident": invitation.resident})
