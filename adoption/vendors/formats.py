"""Named source formats of the vendor readers (see :mod:`adoption.ingest.formats`)."""

from __future__ import annotations

from adoption.ingest.formats import SourceFormat
from adoption.vendors import (
    chatgpt,
    chatgpt_gpts,
    directory,
    github,
    github_billing,
    github_reports,
    github_users_28_day,
    hr_report,
    identity,
    m365_activity,
    m365_chat,
    microsoft,
    viva,
)

__all__ = ["FORMATS"]

#: One reader module per source family (identities, directory, HR report, GitHub and its
#: premium request usage report, Microsoft 365 and its admin center's last activity table,
#: Viva, ChatGPT), in this order.
FORMATS: list[SourceFormat] = [
    *identity.FORMATS,
    *directory.FORMATS,
    *hr_report.FORMATS,
    *github.FORMATS,
    *github_billing.FORMATS,
    *github_reports.FORMATS,
    *github_users_28_day.FORMATS,
    *microsoft.FORMATS,
    *m365_activity.FORMATS,
    *m365_chat.FORMATS,
    *viva.FORMATS,
    *chatgpt.FORMATS,
    *chatgpt_gpts.FORMATS,
]
