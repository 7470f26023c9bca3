from django import forms

from units.importing.forms import UnitImportForm
from units.models import Unit


class EmploymentsImportForm(UnitImportForm):
    """The admin's upload of HR's file: the same import as `manage.py import_employments`."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), help_text="The unit the employments belong to.")
    file = forms.FileField(help_text="HR's CSV (UTF-8) with the contract's columns.")
    partial = forms.BooleanField(
        required=False, label="Partial file",
        help_text="Only some of the unit's employments: leave alone the ones the file leaves out (--no-prune).",
    )
    delete_missing = forms.BooleanField(
        required=False, label="Delete missing",
        help_text="Remove (delete from ORCID) the employments the file leaves out instead of ending them "
                  "(--delete-missing).",
    )
    allow_mass_removal = forms.BooleanField(
        required=False, help_text="End or remove what the file leaves out even when that is more than half of the unit's "
                  "employments.",
    )
