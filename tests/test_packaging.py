"""The wheel works outside the checkout: it migrates a database, checks the demo questionnaires
and speaks French from the catalogues compiled at build time.

The wheel is built from a copy of the sources without any compiled catalogue (``.mo`` files are
build products), with ``python -m build --no-isolation`` so that nothing is downloaded. It is
installed without its dependencies into a fresh virtual environment whose ``.pth`` file points at
this interpreter's site-packages for them (a plain path line: the editable install's finder there
is not run, so only the wheel's ``survey_app`` can be imported). Every command runs from an
empty temporary folder, with no checkout on ``sys.path``.
"""
from __future__ import annotations

import configparser
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", "instance", "tests", "bench",
    "*.mo", "*.pyc", ".pytest_cache", ".hypothesis", "node_modules")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f"{' '.join(map(str, command))}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A virtual environment holding the freshly built wheel, and a folder to run it from."""
    base = tmp_path_factory.mktemp("packaging")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV") and not k.startswith(("FLASK_", "SERVIR_"))}
    run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(base / "dist"),
         str(source)], cwd=base, env=env)
    (wheel,) = (base / "dist").glob("servir-*.whl")

    venv = base / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=base, env=env)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-index", "--no-compile", str(wheel)], cwd=base, env=env)
    purelib = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       cwd=base, env=env).stdout.strip())
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "servir_test_dependencies.pth").write_text("\n".join(sorted(ours)) + "\n")

    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    env = {**env, "DATABASE_URL": f"sqlite:///{base / 'servir.sqlite3'}", "SECRET_KEY": "packaging"}
    return {"python": str(python), "cwd": elsewhere, "env": env, "venv": venv}


def test_the_installed_wheel_migrates_a_database_and_checks_the_demo(installed):
    flask = [installed["python"], "-m", "flask", "--app", "survey_app"]
    run(flask + ["db", "upgrade"], installed["cwd"], installed["env"])
    checked = run(flask + ["questionnaires", "check"], installed["cwd"], installed["env"])
    # The demo definitions are read from the installed package.
    assert "ok  permis-simple" in checked.stdout and "ok  ligne-311" in checked.stdout

    probe = """
import json, survey_app
from survey_app import create_app, migrations_directory
app = create_app()
with app.test_client() as client:
    page = client.get("/kiosk/").get_data(as_text=True)
    module = client.get("/static/kiosk/screens/question.js")
    module.close()
print(json.dumps({"module": module.status_code, "package": survey_app.__file__, "migrations": str(migrations_directory()),
                  "version": survey_app.__version__, "french": "Commencer" in page}))
"""
    found = json.loads(run([installed["python"], "-c", probe], installed["cwd"],
                           installed["env"]).stdout.strip().splitlines()[-1])
    venv = str(installed["venv"].resolve())
    assert found["package"].startswith(venv), found  # the wheel's code ran, not the checkout's
    assert found["migrations"].startswith(venv) and found["migrations"].endswith("survey_app/migrations")
    setup_cfg = configparser.ConfigParser()
    setup_cfg.read(ROOT / "setup.cfg")
    assert found["version"] == setup_cfg["metadata"]["version"]
    assert found["french"], "the compiled French catalogue is not in the wheel"
    assert found["module"] == 200  # static files in subfolders are in the wheel too
