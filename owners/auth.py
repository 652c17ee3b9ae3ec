"""Sign-in by identifier (a mobile number, an e-mail address, or for staff a username), and API
tokens that live API_TOKEN_MAX_AGE_DAYS."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from .models import User
from .phone import mobile_normalize


def user_find_by_identifier(identifier: str):
    """The active user a sign-in identifier names, or None. Never raises on odd input."""
    identifier = (identifier or "").strip()
    if not identifier:
        return None
    if "@" in identifier:
        return User.objects.filter(email__iexact=identifier, is_active=True).first()
    try:
        mobile = mobile_normalize(identifier)
    except ValidationError:
        mobile = None
    if mobile:
        found = User.objects.filter(mobile=mobile, is_active=True).first()
        if found:
            return found
    # Usernames are for staff; residents' generated usernames are not meant to be typed.
    return User.objects.filter(username=identifier, kind=User.Kind.STAFF, is_active=True).first()


def identifier_key(identifier) -> str:
    """One spelling per sign-in identifier, for counting attempts against it: an e-mail address in
    lower case, a mobile number in its 11-digit form ("+86 137-0000-1111" is "13700001111"),
    anything else stripped. Never raises and never touches the database, so the answer says
    nothing about whether an account exists."""
    text = str(identifier or "").strip()[:254]
    if "@" in text:
        return text.lower()
    try:
        return mobile_normalize(text)
    except ValidationError:
        return text


class IdentifierBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user = user_find_by_identifier(username)
        if user is None:
            # Spend the same time as a real check so timing does not reveal which accounts exist.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


def api_token_expired(token: Token) -> bool:
    return token.created <= timezone.now() - timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def api_token_for(user) -> Token:
    """The user's live API token: the current one, or a new one when it has expired or never existed."""
    token = Token.objects.filter(user=user).first()
    if token is not None and api_token_expired(token):
        token.delete()
        token = None
    return token or Token.objects.create(user=user)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, except that a token dies API_TOKEN_MAX_AGE_DAYS after it was
    issued: it answers 401 and is deleted. Tokens are also deleted when the password changes or
    the account is deactivated (owners/receivers.py)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if api_token_expired(token):
            token.delete()
            raise AuthenticationFailed(_("This token has expired. Request a new one with your password."))
        return user, token
