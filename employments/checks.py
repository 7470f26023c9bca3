"""`manage.py check` says so when the INSTITUTION_* settings would make ORCID refuse every
employment (ORCID requires an organisation's name, city and ISO country, error 9060)."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.checks import Warning, register


@register()
def institution_settings_check(app_configs, **kwargs):
    problems = []
    for name in ("INSTITUTION_NAME", "INSTITUTION_CITY", "INSTITUTION_COUNTRY"):
        if not str(getattr(settings, name, "") or "").strip():
            problems.append(Warning(
                f"{name} is empty: ORCID refuses employment items without it.",
                hint=f"Set {name} in the environment or .env.", id="employments.W001",
            ))
    country = str(getattr(settings, "INSTITUTION_COUNTRY", "") or "").strip()
    if country and not re.fullmatch(r"[A-Za-z]{2}", country):
        problems.append(Warning(
            f"INSTITUTION_COUNTRY '{country}' is not an ISO 3166-1 alpha-2 code (e.g. US, GB, DE).",
            id="employments.W002",
        ))
    if not str(getattr(settings, "INSTITUTION_ROR", "") or "").strip():
        problems.append(Warning(
            "INSTITUTION_ROR is empty: ORCID asks member integrations to identify the organisation "
            "(https://ror.org/...).", id="employments.W003",
        ))
    return problems
