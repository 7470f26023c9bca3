"""The activity sections the simulator serves, as ORCID's v3.0 model names them (one row each)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    kind: str  # the item element and the singular path (/work, /invited-position)
    plural: str  # the summary path and element in activities-summary (/works, /invited-positions)
    group_tag: str  # the group element inside the plural one
    affiliation: bool = False

    @property
    def root(self) -> tuple[str, str]:
        """(namespace prefix, element name) of the full item."""
        return (self.kind, self.kind)


AFFILIATION_KINDS = ("distinction", "education", "employment", "invited-position", "membership", "qualification",
                     "service")
SECTIONS: dict[str, Section] = {
    "work": Section("work", "works", "group"),
    "funding": Section("funding", "fundings", "group"),
    **{kind: Section(kind, f"{kind}s", "affiliation-group", affiliation=True) for kind in AFFILIATION_KINDS},
}
# The order of activities:activities-summary in activities-3.0.xsd (peer reviews and research
# resources are not simulated).
SUMMARY_ORDER = ("distinction", "education", "employment", "funding", "invited-position", "membership",
                 "qualification", "service", "work")
