"""Celery tasks of invitations. Thin: each calls one service."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)

SEND_REMINDERS_TASK = "invitations.send_reminders"


@shared_task(name=SEND_REMINDERS_TASK, acks_late=True, ignore_result=True)
def send_reminders_task() -> int:
    """The daily reminder run (the beat entry "Invitation reminders"). Returns the emails sent."""
    from .services import invitations_remind

    return sum(1 for _invitation, _action, sent in invitations_remind() if sent)
