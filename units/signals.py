"""Signals of units for the apps above (they listen; units imports none of them)."""

from django.dispatch import Signal

# `units.permissions.unit_items_withdraw` asks every item kind to mark all of `unit`'s items
# removed (at `now`), so that the next sync deletes them from ORCID. Each kind's app answers
# with {"<its items' plural>": how many it marked}, e.g. {"works": 3}.
unit_items_withdraw_requested = Signal()
