"""The Flask class Servir runs on (survey_app/application.py): the query's, the form's and the
cookies' values answer ``get`` as Werkzeug's do, and every hook and view still runs on every
request once Flask's answer about coroutines is kept."""
from __future__ import annotations

from flask import after_this_request, request

from survey_app.application import ServirFlask, ServirRequest


def test_the_application_runs_on_servir_s_classes(app):
    assert isinstance(app, ServirFlask)
    with app.test_request_context("/"):
        assert isinstance(request._get_current_object(), ServirRequest)


def test_query_form_and_cookie_values_answer_get_as_werkzeug_does(app):
    with app.test_request_context("/?lang=en&n=7&n=8&bad=x&empty=", method="POST",
                                  data={"field": "a", "other": "b"}, headers={"Cookie": "kept=1"}):
        args, form, cookies = request.args, request.form, request.cookies
        assert args.get("lang") == "en"
        assert args.get("missing") is None
        assert args.get("missing", "fr") == "fr"
        assert args.get("n") == "7"  # the first of several
        assert args.getlist("n") == ["7", "8"]
        assert args.get("n", type=int) == 7
        assert args.get("bad", 0, type=int) == 0  # a value that does not convert gives the default
        assert args.get("missing", 5, type=int) == 5
        assert args.get("empty") == ""
        assert form.get("field") == "a" and form.get("switch_lang") is None
        assert cookies.get("kept") == "1" and cookies.get("session") is None


def test_hooks_and_callbacks_run_on_every_request(app):
    calls: list[str] = []

    @app.before_request
    def before():
        calls.append("before")

    @app.get("/_probe")
    def probe():
        # A new function on every request: each must run once, on its own request.
        number = request.args["n"]

        @after_this_request
        def after(response):
            calls.append(f"after {number}")
            return response

        return "ok"

    client = app.test_client()
    for number in range(3):
        assert client.get(f"/_probe?n={number}").get_data(as_text=True) == "ok"
    assert [call for call in calls if call != "before"] == ["after 0", "after 1", "after 2"]
    assert calls.count("before") == 3


def test_the_objects_behind_flask_s_proxies_are_those_the_proxies_stand_for(app):
    from flask import current_app, session

    from survey_app.application import this_app, this_request, this_session

    with app.test_request_context("/?lang=en"):
        assert this_app() is current_app._get_current_object() is app
        assert this_request() is request._get_current_object()
        assert this_request().args["lang"] == "en"
        this_session()["lang"] = "en"
        assert session["lang"] == "en" and session.modified


def test_a_request_carries_the_configured_size_limits_and_a_view_may_set_its_own(app):
    app.config.update(MAX_CONTENT_LENGTH=4096, MAX_FORM_MEMORY_SIZE=1024, MAX_FORM_PARTS=10)

    @app.post("/_limits")
    def limits():
        return f"{request.max_content_length} {request.max_form_memory_size} {request.max_form_parts}"

    @app.post("/_read")
    def read():
        return f"{len(request.get_data())} {len(request.form)}"

    @app.post("/_small")
    def small():
        request.max_content_length = 8
        return str(len(request.get_data()))

    client = app.test_client()
    assert client.post("/_limits").get_data(as_text=True) == "4096 1024 10"
    assert client.post("/_read", data="x" * 100).get_data(as_text=True) == "100 0"
    assert client.post("/_read", data="x" * 5000).status_code == 413
    assert client.post("/_read", data={f"f{i}": "1" for i in range(11)},
                       content_type="multipart/form-data").status_code == 413
    assert client.post("/_read", data={"f": "x" * 2000}, content_type="multipart/form-data").status_code == 413
    assert client.post("/_small", data="x" * 20).status_code == 413
    assert client.post("/_small", data="x" * 5).get_data(as_text=True) == "5"


def test_a_class_based_view_and_a_callable_object_as_hook_run_on_every_request(app):
    from flask.views import View

    class Counted(View):
        served = 0

        def dispatch_request(self):
            Counted.served += 1
            return str(Counted.served)

    class Stamp:  # a callable object that cannot be weakly referenced (it has __slots__)
        __slots__ = ("calls",)

        def __init__(self):
            self.calls = 0

        def __call__(self, response):
            self.calls += 1
            return response

    stamp = Stamp()
    app.add_url_rule("/_counted", view_func=Counted.as_view("counted"))
    app.after_request(stamp)
    client = app.test_client()
    assert [client.get("/_counted").get_data(as_text=True) for _ in range(3)] == ["1", "2", "3"]
    assert stamp.calls == 3
