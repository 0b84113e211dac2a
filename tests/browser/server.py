"""A live Servir server for the browser suite, in its own process so that a test can kill it.

    python -m tests.browser.server DATABASE_URI PORT

Extra configuration comes as JSON in SERVIR_TEST_CONFIG. Werkzeug's threaded server, as in
``flask run``.
"""
from __future__ import annotations

import json
import os
import sys

from werkzeug.serving import make_server

from tests.helpers import make_app


def main() -> None:
    database_uri, port = sys.argv[1], int(sys.argv[2])
    extra = json.loads(os.environ.get("SERVIR_TEST_CONFIG", "{}"))
    app = make_app(database_uri, **extra)
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(f"serving on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
