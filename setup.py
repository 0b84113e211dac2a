"""The build steps that setup.cfg cannot declare: the migrations shipped inside the package, and
the message catalogues compiled into the wheel.

Metadata, dependencies and tool settings stay in setup.cfg. Here:

- ``migrations/`` stays at the top level of the repository (the project's layout names it there)
  and is mapped into the wheel as ``survey_app.migrations``, so an installed Servir can run
  ``flask --app survey_app db upgrade``; ``create_app`` looks for the checkout's folder first.
- Compiled catalogues (``.mo``) are build products, never committed: ``build_py`` compiles the
  ``.po`` files with Babel into the build folder, so every wheel carries them (Babel is a build
  requirement, see pyproject.toml).
- Templates, static files and catalogues are found with ``find_namespace_packages`` so that
  setuptools treats their folders as package data instead of warning about them.
"""
from __future__ import annotations

from pathlib import Path

from setuptools import find_namespace_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
CATALOGUES = Path("survey_app") / "translations"


class build_py_with_catalogues(build_py):
    """Copy the package as usual, then compile every ``messages.po`` next to its copy."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in sorted((HERE / CATALOGUES).glob("*/LC_MESSAGES/messages.po")):
            target = Path(self.build_lib) / po_path.relative_to(HERE).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalogue = read_po(po_file, locale=po_path.parent.parent.name)
            with target.open("wb") as mo_file:
                write_mo(mo_file, catalogue, use_fuzzy=False)


packages = find_namespace_packages(
    include=["survey_app", "survey_app.*", "questionnaires", "questionnaires.*",
             "analysis", "analysis.*"],
    exclude=["*.__pycache__"],
)

setup(
    packages=packages + ["survey_app.migrations", "survey_app.migrations.versions"],
    package_dir={"survey_app.migrations": "migrations"},
    cmdclass={"build_py": build_py_with_catalogues},
)
