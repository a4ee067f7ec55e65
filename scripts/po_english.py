"""Make an English catalogue say exactly its message ids (the source strings are English).

makemessages fuzzy-matches new ids against old entries; in an English catalogue such a guess would
silently show another phrase ("Orders desk" as "Service desk"), so every msgstr is reset to its id.
Usage: .venv/bin/python scripts/po_english.py path/to/en/LC_MESSAGES/django.po [...]
"""

import sys

import polib


def anglicise(path: str) -> None:
    po = polib.pofile(path, wrapwidth=0)
    for entry in po:
        if entry.obsolete:
            continue
        if entry.msgid_plural:
            entry.msgstr_plural = {0: entry.msgid, 1: entry.msgid_plural}
        else:
            entry.msgstr = entry.msgid
        if "fuzzy" in entry.flags:
            entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
    po.save()


if __name__ == "__main__":
    for path in sys.argv[1:]:
        anglicise(path)
