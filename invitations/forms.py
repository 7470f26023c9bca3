from django import forms


class InviteUploadForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, help_text="The unit that invites (named in the email).")
    file = forms.FileField(help_text="CSV: institutional_id, email, given_names, family_names.")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
        if units.count() == 1:
            self.fields["unit"].initial = units.first()


class InviteSelectedForm(forms.Form):
    unit = forms.ModelChoiceField(queryset=None, help_text="The unit that invites (named in the email).")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
