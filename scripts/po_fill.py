"""Fill French msgstr entries of a catalogue from a Python dict file (a translator's aid).

Usage: .venv/bin/python scripts/po_fill.py <app>/locale/fr/LC_MESSAGES/django.po translations.py
The translations file defines T = {msgid: msgstr, (singular, plural): (singular_fr, plural_fr)}.
Only empty entries are filled; prints the ids still untranslated.
"""

import runpy
import sys

import polib


def main(po_path: str, table_path: str) -> int:
    table = runpy.run_path(table_path)["T"]
    po = polib.pofile(po_path)
    for entry in po:
        key = (entry.msgid, entry.msgid_plural) if entry.msgid_plural else entry.msgid
        if key in table and not entry.translated():
            if entry.msgid_plural:
                entry.msgstr_plural = {0: table[key][0], 1: table[key][1]}
            else:
                entry.msgstr = table[key]
        if "fuzzy" in entry.flags and entry.translated():
            entry.flags.remove("fuzzy")
    po.save()
    missing = [e.msgid for e in po.untranslated_entries()]
    for msgid in missing:
        print("untranslated:", repr(msgid))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
