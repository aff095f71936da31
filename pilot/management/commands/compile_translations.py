"""Compile locale/*/LC_MESSAGES/*.po to .mo with polib (no GNU gettext needed to run the portal).

--check also fails when a message has no translation or is marked fuzzy, so that the English
interface never silently falls back to Chinese.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the portal's translations; with --check, refuse incomplete ones."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail on untranslated or fuzzy messages")

    def handle(self, *args, check=False, **options):
        problems = []
        for locale_dir in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_dir).glob("*/LC_MESSAGES/*.po")):
                catalog = polib.pofile(str(po_path))
                if check:
                    for entry in catalog.untranslated_entries() + catalog.fuzzy_entries():
                        problems.append(f"{po_path}:{entry.linenum}: {entry.msgid[:60]!r}")
                catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
                self.stdout.write(f"compiled {po_path} ({catalog.percent_translated()}% translated)")
        if problems:
            raise CommandError("untranslated or fuzzy messages:\n" + "\n".join(problems))
