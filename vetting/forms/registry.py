"""Forms of the vendor register. They clean and validate; the services write.

Duplicate names and e-mail addresses are checked here so the message appears
next to the field; the database constraints ignore case, and so do these checks.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms

from vetting.models import Product, Vendor, VendorContact
from vetting.services import registry as registry_services


class _RegisterForm(forms.ModelForm):
    submit_label = "Save"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The template draws the <form> tag, so the submit button and Cancel share a row.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.submit_text = self.submit_label if self.instance.pk is None else "Save changes"


class VendorForm(_RegisterForm):
    submit_label = "Register vendor"
    website = forms.URLField(required=False, max_length=200, assume_scheme="https")

    class Meta:
        model = Vendor
        fields = ["name", "country", "website", "address", "notes"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        labels = {"notes": "Internal notes"}

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())  # as the services store it
        if registry_services.vendor_name_taken(name, exclude_pk=self.instance.pk):
            raise forms.ValidationError("A vendor with this name is already registered.")
        return name


class ContactForm(_RegisterForm):
    submit_label = "Add contact"

    class Meta:
        model = VendorContact
        fields = ["name", "email", "role", "phone", "is_primary"]
        labels = {"email": "E-mail", "is_primary": "Primary contact (receives portal invitations)"}
        help_texts = {"is_primary": "Replaces the vendor's current primary contact, if any."}

    def __init__(self, *args, vendor: Vendor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if registry_services.contact_email_taken(self.vendor, email,
                                                 exclude_pk=self.instance.pk):
            raise forms.ValidationError(
                "This vendor already has a contact with this e-mail address.")
        return email


class ProductForm(_RegisterForm):
    submit_label = "Register product"

    class Meta:
        model = Product
        fields = ["name", "category", "form", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, vendor: Vendor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.vendor = vendor
        if self.instance.pk and registry_services.profile_locked(self.instance):
            for name in ("category", "form"):  # shown, kept as they are whatever is posted
                self.fields[name].disabled = True
                self.fields[name].help_text = registry_services.PROFILE_LOCKED

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())  # as the services store it
        if registry_services.product_name_taken(self.vendor, name,
                                                exclude_pk=self.instance.pk):
            raise forms.ValidationError("This vendor already has a product with this name.")
        return name
