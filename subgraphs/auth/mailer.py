"""Sending mail. The default mailer keeps messages in `auth.outbound_emails` (read them there in
development) and logs that a message went out — never its body, which may hold a token."""

from __future__ import annotations

import logging
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from subgraphs.auth.models import OutboundEmail

logger = logging.getLogger("mailer")


class Mailer(Protocol):
    async def send(self, session: AsyncSession, *, to: str, subject: str, body: str) -> None: ...


class OutboxMailer:
    async def send(self, session: AsyncSession, *, to: str, subject: str, body: str) -> None:
        session.add(OutboundEmail(to_address=to, subject=subject, body=body))
        await session.flush()
        logger.info("email queued", extra={"to_domain": to.rsplit("@", 1)[-1], "subject": subject})
