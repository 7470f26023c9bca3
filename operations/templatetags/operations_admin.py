"""The admin index's first panel: the operations figures at a glance, linking to /admin/operations/."""

from __future__ import annotations

from django import template

from ..overview import backlog, connections_by_state, may_see_operations

register = template.Library()


@register.inclusion_tag("admin/_operations_panel.html", takes_context=True)
def operations_panel(context) -> dict:
    user = context["request"].user
    if not may_see_operations(user):
        return {"show": False}
    connections = {row["status"]: row["count"] for row in connections_by_state(user=user)}
    return {
        "show": True,
        "backlog": backlog(user=user),
        "connected": connections.get("active", 0),
        "not_usable": sum(n for status, n in connections.items() if status not in ("active", "disconnected")),
    }
