from django import forms
from django.utils.translation import gettext_lazy as _


class ImpersonationStartForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("For example the call or ticket number. The customer can ask who looked and why."),
    )
