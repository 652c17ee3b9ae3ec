from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, SetPasswordMixin
from django.utils.translation import gettext_lazy as _

from .models import Estate
from .services import user_password_reset_request_by_identifier


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Mobile, e-mail or username"), max_length=254,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username", "inputmode": "email"}),
    )
    error_messages = {
        "invalid_login": _("The sign-in details are not right. Check them and try again."),
        "inactive": _("This account is disabled. Please contact the management office."),
    }


class IdentifierPasswordResetForm(forms.Form):
    """Password reset by mobile or e-mail. Always looks successful, so it reveals no accounts."""

    identifier = forms.CharField(label=_("Mobile or e-mail"), max_length=254,
                                 widget=forms.TextInput(attrs={"autocomplete": "username"}))

    def save(self, *, language: str) -> None:
        user_password_reset_request_by_identifier(self.cleaned_data["identifier"], language=language)


class ActivationForm(SetPasswordMixin, forms.Form):
    """Choose a password for a new portal account. The service validates it against the account."""

    new_password1, new_password2 = SetPasswordMixin.create_password_fields(
        label1=_("New password"), label2=_("New password confirmation")
    )

    def clean(self):
        self.validate_passwords("new_password1", "new_password2")
        return super().clean()


class ImportForm(forms.Form):
    KIND_CHOICES = [("units", _("Units")), ("residents", _("Residents"))]

    estate = forms.ModelChoiceField(label=_("Estate"), queryset=Estate.objects.none())
    kind = forms.ChoiceField(label=_("What the file lists"), choices=KIND_CHOICES, widget=forms.RadioSelect,
                             initial="residents")
    file = forms.FileField(label=_("CSV or XLSX file"),
                           help_text=_("CSV in UTF-8 or GBK (as saved by Excel), or an XLSX workbook."))

    def __init__(self, *args, estates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["estate"].queryset = estates

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.") % {"mb": limit // (1024 * 1024)}
            )
        return upload


class FeePaymentForm(forms.Form):
    """A payment received at the office (services.ledger.fee_payment_record applies it to the
    oldest unpaid months and says whether it is too much)."""

    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"),
                                widget=forms.NumberInput(attrs={"step": "0.01", "min": "0.01", "inputmode": "decimal"}))
    # An HTML date input reads and sends ISO dates, whatever the language.
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    note = forms.CharField(label=_("Method and reference"), max_length=200, required=False,
                           help_text=_("For example: cash at the office, or bank transfer and its reference number."))
