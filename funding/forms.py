from django import forms

from units.models import Unit


class FundingImportForm(forms.Form):
    """The admin's upload of the research office's file: the same import as `manage.py import_funding`."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), help_text="The unit the funding belongs to.")
    file = forms.FileField(help_text="The funding CSV (UTF-8) with the contract's columns.")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.all()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a .csv file.")
        return upload
