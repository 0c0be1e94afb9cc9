"""Catalogs: the template is fresh, and Finnish and Swedish translate every message."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from assistant.settings import ROOT_DIR
from assistant.web.i18n import LOCALE_DIR


def _ids(path: Path) -> set[str]:
    with path.open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}


def test_translation_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "-k",
            "N_",
            "--no-location",
            "--omit-header",
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT_DIR,
        check=True,
        capture_output=True,
    )
    assert _ids(fresh) == _ids(LOCALE_DIR / "messages.pot"), "run `make i18n` and translate"


def test_finnish_and_swedish_catalogs_are_complete():
    template = _ids(LOCALE_DIR / "messages.pot")
    for lang in ("fi", "sv"):
        with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle)
        translated = {
            (m.id if isinstance(m.id, str) else m.id[0])
            for m in catalog
            if m.id
            and m.string
            and (all(m.string) if isinstance(m.string, tuple) else True)
            and not m.fuzzy
        }
        assert template - translated == set(), lang
