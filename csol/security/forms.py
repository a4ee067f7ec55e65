from django import forms
from django.utils.translation import gettext_lazy as _


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("The 6-digit code shown by your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )

    def clean_token(self):
        return "".join(self.cleaned_data["token"].split())


class SetupForm(forms.Form):
    token = forms.CharField(
        label=_("Code from your app"),
        max_length=6,
        min_length=6,
        help_text=_("After scanning the QR code, type the 6 digits your app shows."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self):
        token = "".join(self.cleaned_data["token"].split())
        if not token.isdigit():
            raise forms.ValidationError(_("The code is 6 digits."))
        return token


class CompanyPolicyForm(forms.Form):
    require_two_factor = forms.BooleanField(
        label=_("Require two-step verification for every user of the company"),
        required=False,
        help_text=_("Each user confirms every sign-in with a code from an authenticator app on their phone."),
    )
