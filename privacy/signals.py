"""Signals of the data-protection app, for apps above it that keep copies of personal data."""

from django.dispatch import Signal

# Sent inside the erasure's transaction, before the user row is deleted (`researcher`, and
# `identifiers`: the strings that name them: institutional ID, email, ORCID iDs). A receiver
# deletes or scrubs its rows naming them and returns {table label: rows changed}.
researcher_erasing = Signal()
