"""Reactions to changes of our own models that must happen whichever code path made them."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from rest_framework.authtoken.models import Token

from .models import User


@receiver(pre_save, sender=User, dispatch_uid="owners.api_tokens_mark_for_revocation")
def _api_tokens_mark_for_revocation(sender, instance, raw, update_fields, **kwargs):
    """Note whether this save changes the password or deactivates the account (compared with the
    stored row; saves that name neither field in update_fields, such as the login timestamp,
    cost nothing)."""
    instance._revoke_api_tokens = False
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is not None:
        instance._revoke_api_tokens = stored["password"] != instance.password or (stored["is_active"] and not instance.is_active)


@receiver(post_save, sender=User, dispatch_uid="owners.api_tokens_revoke")
def _api_tokens_revoke(sender, instance, **kwargs):
    """A new password or a deactivated account ends every API token the person held, as it ends
    their sessions (Django's session hash)."""
    if getattr(instance, "_revoke_api_tokens", False):
        Token.objects.filter(user_id=instance.pk).delete()
        instance._revoke_api_tokens = False
