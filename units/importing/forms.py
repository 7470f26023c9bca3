"""The base of a kind's admin upload form (units/importing/admin.py builds it with `units=`):
the unit the file is for, limited to the units the staff member may import into, and the
file's name checked for a `.csv` ending. A kind's form declares its `unit` and `file` fields
(with its own help text) and any options."""

from __future__ import annotations

from django import forms

from units.models import Unit


class UnitImportForm(forms.Form):
    def __init__(self, *args, units=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units if units is not None else Unit.objects.all()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".csv"):
            raise forms.ValidationError("The file must be a .csv file.")
        return upload
