import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..auth import user_find_by_identifier
from ..models import Channel, Invitation, Resident, User
from ..permissions import resident_can_invite, scope_cache_clear
from ..phone import looks_like_mobile
from ..roles import ADMIN_ROLES, role_group_name
from ..signals import invitation_created, password_reset_requested

_SALT = "lighthouse.invitation"


def invitation_token(invitation: Invitation) -> str:
    """The secret part of an activation link: signed id + nonce, so a reissue kills old links."""
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation:
    """The open invitation a token names, or ValidationError saying why it cannot be used."""
    max_age = settings.INVITATION_MAX_AGE
    try:
        data = signing.loads(token, salt=_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise ValidationError(_("This invitation link has expired. Ask the management office for a new one."), code="expired")
    except signing.BadSignature:
        raise ValidationError(_("This invitation link is not valid."), code="invalid")
    invitation = (
        Invitation.objects.select_related("resident").filter(pk=data.get("i"), nonce=data.get("n")).first()
    )
    if invitation is None or invitation.revoked_at:
        raise ValidationError(_("This invitation link has been replaced by a newer one or withdrawn."), code="revoked")
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been used. Sign in with your password."), code="used")
    if invitation.expires_at <= timezone.now():
        raise ValidationError(_("This invitation link has expired. Ask the management office for a new one."), code="expired")
    return invitation


@transaction.atomic
def resident_invite(*, resident: Resident, invited_by: User | None) -> Invitation:
    """Open a new invitation for a resident (revoking any open one) and have it sent.

    Refused when the resident already has an account or has neither mobile nor e-mail, and
    (PermissionDenied) when `invited_by`'s role invites at none of the resident's estates;
    `invited_by` None is the company itself. The notice itself is recorded by the notification
    engine in this transaction and sent after commit, so a rolled-back request sends nothing.
    """
    if invited_by is not None and not resident_can_invite(invited_by, resident):
        raise PermissionDenied(_("Your role may not invite this resident."))
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    if resident.user_id:
        raise ValidationError(_("%(name)s already has a portal account.") % {"name": resident.name}, code="has_account")
    if not resident.mobile and not resident.email:
        raise ValidationError(
            _("%(name)s has neither a mobile number nor an e-mail address to send the invitation to.") % {"name": resident.name},
            code="no_contact",
        )
    now = timezone.now()
    Invitation.objects.filter(resident=resident, accepted_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    invitation = Invitation.objects.create(
        resident=resident, created_by=invited_by, expires_at=now + settings.INVITATION_MAX_AGE
    )
    invitation_created.send(sender=Invitation, invitation=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Create the resident's portal account from an invitation and set its password.

    Raises ValidationError (and changes nothing) for a bad, used or expired link, a weak
    password, or a mobile/e-mail already used by another account.
    """
    invitation = invitation_from_token(token)
    invitation = Invitation.objects.select_for_update().select_related("resident").get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(_("This invitation has already been used. Sign in with your password."), code="used")
    resident = invitation.resident
    clash = Q(mobile=resident.mobile) if resident.mobile else Q(pk__in=[])
    if resident.email:
        clash |= Q(email__iexact=resident.email)
    if User.objects.filter(clash).exists():
        raise ValidationError(
            _("Another account already uses this mobile number or e-mail. Please contact the management office."),
            code="clash",
        )
    user = User(
        username=f"resident-{uuid.uuid4().hex[:16]}",
        kind=User.Kind.RESIDENT,
        first_name=resident.name[:150],
        mobile=resident.mobile or None,
        email=resident.email or "",
    )
    validate_password(password, user)
    user.set_password(password)
    user.save()
    resident.user = user
    resident.save(update_fields=["user"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return user


def user_password_reset_request_by_identifier(identifier: str, *, language: str) -> None:
    """The sign-in page's "forgot password": send a reset link to the account this mobile, e-mail or
    username names, on the channel the person typed (a mobile → SMS, an e-mail → e-mail). Says
    nothing either way, so the page answers the same whether or not the account exists."""
    identifier = (identifier or "").strip()
    user = user_find_by_identifier(identifier)
    if user is None or not user.has_usable_password():
        return
    prefer = Channel.EMAIL if "@" in identifier else Channel.SMS if looks_like_mobile(identifier) else None
    user_password_reset_request(user=user, language=language, prefer=prefer)


def user_password_reset_request(*, user: User, language: str | None = None, prefer: str | None = None) -> bool:
    """Have a link to choose a new password sent to the account's own mobile or e-mail.

    The one way anybody's password is reset: the sign-in page's form and the admin's action both
    come here, and nobody — staff included — learns or sets the password. `prefer` ("email" or
    "sms") picks the channel when the account has both. Returns False (sending nothing) when the
    account is inactive or has neither address. The notice is recorded in the caller's transaction.
    """
    if not user.is_active:
        return False
    if prefer == Channel.EMAIL and user.email:
        channel, address = Channel.EMAIL, user.email
    elif prefer == Channel.SMS and user.mobile:
        channel, address = Channel.SMS, user.mobile
    elif user.email:
        channel, address = Channel.EMAIL, user.email
    elif user.mobile:
        channel, address = Channel.SMS, user.mobile
    else:
        return False
    if language is None:
        resident = Resident.objects.filter(user=user).first()
        language = resident.preferred_language if resident else settings.LANGUAGE_CODE
    password_reset_requested.send(
        sender=type(user), user=user, channel=channel, address=address,
        request_key=secrets.token_hex(8), language=language,
    )
    return True


@transaction.atomic
def staff_roles_sync(user: User) -> None:
    """Make a staff member's groups and admin access follow their estate assignments."""
    roles = set(user.memberships.values_list("role", flat=True))
    role_groups = Group.objects.filter(name__startswith="role:")
    user.groups.remove(*role_groups.exclude(name__in=[role_group_name(r) for r in roles]))
    user.groups.add(*role_groups.filter(name__in=[role_group_name(r) for r in roles]))
    is_staff = user.is_superuser or bool(roles & ADMIN_ROLES)
    if user.is_staff != is_staff or user.kind != User.Kind.STAFF and roles:
        user.is_staff = is_staff
        if roles:
            user.kind = User.Kind.STAFF
        user.save(update_fields=["is_staff", "kind"])
    scope_cache_clear(user)
