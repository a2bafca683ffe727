"""Every build carries the compiled interface catalogues, so any install speaks Vietnamese first.

`pip install .`, a wheel or an sdist built anywhere compiles lms/translations/*/LC_MESSAGES/*.po
into .mo files inside the built package; an editable install compiles them next to the .po. The
.po files stay the only source (no binaries in git), and the result is what `pybabel compile`
makes: fuzzy entries are left out. Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SOURCE = Path(__file__).resolve().parent / "lms"


def compile_catalogues(package: Path) -> list[str]:
    """Write package/translations/<lang>/LC_MESSAGES/<domain>.mo for each .po under SOURCE."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    written = []
    for po in sorted((SOURCE / "translations").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as file:
            catalog = read_po(file, locale=po.parent.parent.name)
        if catalog.fuzzy:
            raise SystemExit(f"{po}: the catalogue is marked fuzzy; review it before building")
        mo = package / po.relative_to(SOURCE).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with mo.open("wb") as file:
            write_mo(file, catalog)
        written.append(str(mo))
    return written


class BuildWithCatalogues(build_py):
    def run(self):
        super().run()
        if self.editable_mode:  # the package is the source tree itself
            compile_catalogues(SOURCE)
        else:
            self._catalogues = compile_catalogues(Path(self.build_lib) / "lms")

    def get_outputs(self, include_bytecode=True):
        return super().get_outputs(include_bytecode) + getattr(self, "_catalogues", [])


setup(cmdclass={"build_py": BuildWithCatalogues})
