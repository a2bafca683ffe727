"""Installed the way a server would (`pip install .`, no `make`), the app speaks Vietnamese first.

The package is built from a copy of the source without any compiled .mo (as in a fresh clone),
by pip with build isolation: the build gets its own setuptools and babel from the package index,
as a deployment's pip would. Runtime dependencies come from this environment (`--no-deps`): what
is under test is what the package carries. The app is then imported from the install, in another
process and another directory, so that neither this tree nor its editable install can stand in.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = "lms/translations/vi/LC_MESSAGES/messages"

PROBE = """
import json, sys
import lms
from lms import create_app

app = create_app({"TESTING": True, "SECRET_KEY": "install-test", "RATELIMIT_STORAGE_URI": "memory://",
                  "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[1]})
page = app.test_client().get("/login")
json.dump({"module": lms.__file__, "status": page.status_code, "html": page.get_data(as_text=True)},
          sys.stdout)
"""


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("install")
    source = work / "source"
    shutil.copytree(ROOT / "lms", source / "lms", ignore=shutil.ignore_patterns("*.mo", "__pycache__"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    target = work / "site-packages"
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-cache-dir",
         "--target", str(target), str(source)],
        cwd=work, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return target


def installed_string(compiled: Translations, message):
    if message.pluralizable:
        return tuple(compiled.npgettext(message.context, message.id[0], message.id[1], n)
                     if message.context else compiled.ngettext(message.id[0], message.id[1], n)
                     for n in range(1, len(message.string) + 1))
    return (compiled.pgettext(message.context, message.id) if message.context
            else compiled.gettext(message.id))


def test_the_installed_package_carries_the_compiled_catalogue(installed):
    mo = installed / f"{CATALOGUE}.mo"
    assert mo.is_file(), sorted(str(p.relative_to(installed)) for p in installed.rglob("*.mo"))
    with (ROOT / f"{CATALOGUE}.po").open("rb") as file:
        source = read_po(file, locale="vi")
    with mo.open("rb") as file:
        compiled = Translations(file)
    translated = [m for m in source if m.id and m.string and not m.fuzzy]
    assert len(translated) > 100
    # Every translated entry of the .po, as it is now, is in the installed catalogue.
    wrong = [(m.context, m.id) for m in translated if installed_string(compiled, m) != m.string]
    assert wrong == []


def test_the_installed_app_serves_vietnamese(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("LMS_DEMO", None)
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", PROBE, str(tmp_path / "lms.sqlite3")],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout)
    assert Path(probe["module"]).is_relative_to(installed), probe["module"]
    assert probe["status"] == 200
    assert '<html lang="vi">' in probe["html"]
    assert "Đăng nhập" in probe["html"] and "Sign in" not in probe["html"]
