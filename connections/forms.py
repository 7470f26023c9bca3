from django import forms


class DisconnectForm(forms.Form):
    remove_items = forms.TypedChoiceField(
        label="What should happen to the items the institution added to your ORCID record?",
        choices=[
            ("no", "Keep them on my ORCID record (I can edit or delete them on ORCID myself)"),
            ("yes", "Remove them from my ORCID record"),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Please choose whether to keep or remove the items."},
    )
