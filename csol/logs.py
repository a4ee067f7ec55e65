"""Structured log lines: one JSON object per line, for whatever collects stdout in production."""

import datetime
import json
import logging

# Attributes every LogRecord has; anything else was passed with `extra=` and is worth keeping.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, tz=datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, dict):
            entry.update(_access_fields(record.args))
        else:
            entry["msg"] = record.getMessage()
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | type(None)) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def _access_fields(atoms: dict) -> dict:
    # gunicorn passes the request's "atoms"; the query string is left out (it may carry tokens).
    try:
        duration_ms = round(int(atoms.get("D", 0)) / 1000, 1)
    except (TypeError, ValueError):
        duration_ms = None
    return {
        "msg": "request",
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": atoms.get("s"),
        "bytes": atoms.get("B"),
        "duration_ms": duration_ms,
        "remote": atoms.get("h"),
        "user_agent": atoms.get("a"),
    }
