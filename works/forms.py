from __future__ import annotations

from django import forms

from units.models import Unit


class WorksImportForm(forms.Form):
    """The admin's upload of a works file: the same import as `manage.py import_works`."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), help_text="The unit the works belong to.")
    file = forms.FileField(help_text="A .csv file with the contract's columns, or a CSL-JSON .json file.")

    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.all()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".json")):
            raise forms.ValidationError("The file must be .csv or .json (CSL-JSON).")
        return upload
