"""Static files are kept by browsers for a year under their ?v= version (deploy/nginx.conf): a
change to any of them, not only the stylesheet, must give a new version."""

import shutil

from flask import Flask

from lms import PROJECT_ROOT
from lms.formatting import register_context


def version_of(static_folder) -> str:
    app = Flask("probe", static_folder=str(static_folder))
    register_context(app)
    return app.jinja_env.globals["static_version"]


def test_changing_a_script_changes_the_version(tmp_path):
    static = tmp_path / "static"
    shutil.copytree(PROJECT_ROOT / "lms" / "static", static)
    before = version_of(static)
    assert version_of(static) == before  # the same files: the same version
    (static / "copy.js").write_text((static / "copy.js").read_text() + "\n// changed\n")
    after_script = version_of(static)
    assert after_script != before
    (static / "style.css").write_text((static / "style.css").read_text() + "\n")
    assert version_of(static) not in (before, after_script)
