"""Forms of the vendor portal and of the clinic's invitation card. They only clean."""

from __future__ import annotations

from django import forms

from vetting.models import VendorContact
from vetting.services.portal import MAX_EXPIRY_DAYS

from .widgets import NumberText


class InvitationForm(forms.Form):
    contact = forms.ModelChoiceField(queryset=VendorContact.objects.none(), empty_label=None,
                                     label="Vendor contact")
    expires_in_days = forms.IntegerField(min_value=1, max_value=MAX_EXPIRY_DAYS, initial=30,
                                         label="Link valid for (days)",
                                         widget=NumberText(integer=True))
    message = forms.CharField(required=False, max_length=2000, label="Message to the vendor",
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, vendor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the product's vendor's contacts: a foreign contact id is "not a valid choice".
        self.fields["contact"].queryset = vendor.contacts.all()


class ReissueForm(forms.Form):
    expires_in_days = forms.IntegerField(min_value=1, max_value=MAX_EXPIRY_DAYS, initial=30,
                                         widget=NumberText(integer=True))
