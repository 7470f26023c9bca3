from django import forms

from units.importing.forms import UnitImportForm
from units.models import Unit


class FundingImportForm(UnitImportForm):
    """The admin's upload of the research office's file: the same import as `manage.py import_funding`."""

    unit = forms.ModelChoiceField(queryset=Unit.objects.none(), help_text="The unit the funding belongs to.")
    file = forms.FileField(help_text="The funding CSV (UTF-8) with the contract's columns.")
