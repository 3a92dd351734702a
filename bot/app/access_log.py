"""The access log without the secrets some request lines carry: `POST /api/salesforce?token=…` (Salesforce cannot
sign its Outbound Messages, so SALESFORCE_OUTBOUND_TOKEN rides in the endpoint URL). `handoff run` keeps
`aiohttp.access` at WARNING, but a deployment that turns it on, or a test at DEBUG, must not log the token."""

from __future__ import annotations

import logging
import re

SECRET_QUERY = re.compile(r"([?&]token=)[^&\s\"]*", re.IGNORECASE)


class SecretQueries(logging.Filter):
    """Each `token=` query value in an access log line becomes `***`."""

    def filter(self, record: logging.LogRecord) -> bool:
        line = record.getMessage()
        if "token=" in line.lower():
            record.msg, record.args = SECRET_QUERY.sub(r"\1***", line), None
        return True


SECRET_QUERIES = SecretQueries()
"""One filter for the process: `logging.Logger.addFilter` adds an object once, however many apps are created."""


def redact_access_log() -> None:
    logging.getLogger("aiohttp.access").addFilter(SECRET_QUERIES)
