"""The CSV import suite (a sheet stored once, conflicts, all or nothing across chunks, Excel
files, line and column in fr/en), run against PostgreSQL, where chunks are stored through
Core's batched INSERT inside savepoints."""
from tests.app.test_imports import *  # noqa: F403  (the same tests, another database)
