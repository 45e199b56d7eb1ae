"""The reference process: the pinned Airflow answering JSON-lines requests on stdin/stdout.

One request per line, `{"op": NAME, ...}`, one answer per line. A request with `"cases": [...]` runs the
op on each case and answers `{"results": [...]}` (one answer per case). An exception becomes
`{"error": "<type>: <message>"}` (for that case only), never a crash. To add an op: write a function
taking the request (or one case) as a dict and returning a JSON-able dict, and add it to OPS.
"""

import json
import logging
import sys
import warnings

warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)

# Python's own stdout is the protocol channel: anything else printed goes to stderr.
_protocol = sys.stdout
sys.stdout = sys.stderr


def versions(_req):
    from importlib.metadata import version

    return {name: version(name) for name in ("apache-airflow", "apache-airflow-task-sdk")}


def re_match(req):
    """`bool(re.match(pattern, key, re.IGNORECASE))`, or `{"compile_error": ...}`."""
    import re

    try:
        compiled = re.compile(req["pattern"], re.IGNORECASE)
    except (re.error, OverflowError, RecursionError) as e:
        return {"compile_error": f"{type(e).__name__}: {e}"}
    return {"match": compiled.match(req["key"]) is not None}


def _connection_class(flavor):
    if flavor == "sdk":
        from airflow.sdk import Connection
    elif flavor == "orm":
        from airflow.models import Connection
    else:
        raise ValueError(f"unknown flavor {flavor!r}")
    return Connection


def _fields(conn):
    return {
        "conn_type": conn.conn_type,
        "host": conn.host,
        "schema": conn.schema,
        "login": conn.login,
        "password": conn.password,
        "port": conn.port,
        "extra": conn.extra,
    }


def _describe(conn):
    """The fields, and what get_uri/as_json write (or their error)."""
    answer = {"fields": _fields(conn)}
    for name in ("get_uri", "as_json"):
        try:
            answer[name] = getattr(conn, name)()
        except Exception as e:  # noqa: BLE001 - reported, not raised
            answer[name + "_error"] = f"{type(e).__name__}: {e}"
    return answer


def conn_from_uri(req):
    """Parses `uri` with the `flavor` ("sdk" or "orm") class."""
    cls = _connection_class(req["flavor"])
    if req["flavor"] == "sdk":
        conn = cls.from_uri(req["uri"], conn_id=req.get("conn_id", "c"))
    else:
        conn = cls(conn_id=req.get("conn_id", "c"), uri=req["uri"])
    return _describe(conn)


def conn_from_json(req):
    """Parses the JSON form `json` with the `flavor` class."""
    cls = _connection_class(req["flavor"])
    return _describe(cls.from_json(req["json"], conn_id=req.get("conn_id", "c")))


def conn_from_fields(req):
    """Builds a connection from `fields` (conn_type, host, ..., extra as a string)."""
    cls = _connection_class(req["flavor"])
    conn = cls(conn_id=req.get("conn_id", "c"), **req["fields"])
    return _describe(conn)


class _RecordingBackend:
    """A custom secrets backend that keeps the kwargs Airflow built it with (config_read's class paths)."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs


def _recording_backends():
    """The importable module `reference_backends` with two recording classes, registered once."""
    import types

    if "reference_backends" not in sys.modules:
        module = types.ModuleType("reference_backends")
        for name in ("Recorder", "WorkerRecorder"):
            cls = type(name, (_RecordingBackend,), {"__module__": "reference_backends"})
            setattr(module, name, cls)
        sys.modules["reference_backends"] = module


_config_parser = None


def _answer_or_error(read):
    try:
        return {"value": read()}
    except Exception as e:  # noqa: BLE001 - reported, not raised
        return {"error": f"{type(e).__name__}: {e}"}


def config_read(req):
    """What the pinned Airflow's configuration reads from `cfg_text` (null: no airflow.cfg) and exactly
    the environment `env`: `multi_team`, `use_cache`, `cache_ttl_seconds`, and the custom backend of a
    server and of a worker (`_get_custom_secret_backend`: its class and the kwargs it was built with, or
    null), each a value or the error. One parser is reused (building one costs 100 ms): its file
    sections are dropped before each case; os.environ is the case's for the duration, then restored.
    """
    import os

    import airflow.configuration as configuration

    global _config_parser
    _recording_backends()
    if _config_parser is None:
        _config_parser = configuration.AirflowConfigParser()
    parser = _config_parser
    saved_env = dict(os.environ)
    saved_conf = configuration.conf
    try:
        os.environ.clear()
        os.environ.update(req["env"])
        # `_SECRET` options read through the global conf's backend, as in a real process.
        configuration.conf = parser
        parser.remove_all_read_configurations()
        parser._defaults.clear()  # [DEFAULT] is not a section: remove_all_read_configurations keeps it
        file_error = None
        if req.get("cfg_text") is not None:
            try:
                parser.read_string(req["cfg_text"], source="airflow.cfg")
            except Exception as e:  # noqa: BLE001 - Airflow cannot start with this file
                file_error = f"{type(e).__name__}: {e}"
        if file_error is not None:
            return {"file_error": file_error}

        def backend(worker_mode):
            built = parser._get_custom_secret_backend(worker_mode=worker_mode)
            if built is None:
                return None
            cls = type(built)
            kwargs = built.kwargs
            try:
                json.dumps(kwargs, allow_nan=False)
            except ValueError:  # NaN/Infinity, which Python's json reads: not JSON on the wire
                kwargs = {"<not JSON>": repr(kwargs)}
            return {"class_path": f"{cls.__module__}.{cls.__name__}", "kwargs": kwargs}

        return {
            "multi_team": _answer_or_error(lambda: parser.getboolean("core", "multi_team")),
            "use_cache": _answer_or_error(lambda: parser.getboolean("secrets", "use_cache")),
            "cache_ttl_seconds": _answer_or_error(lambda: parser.getint("secrets", "cache_ttl_seconds")),
            "server": _answer_or_error(lambda: backend(False)),
            "worker": _answer_or_error(lambda: backend(True)),
        }
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        configuration.conf = saved_conf


OPS = {
    "versions": versions,
    "re_match": re_match,
    "conn_from_uri": conn_from_uri,
    "conn_from_json": conn_from_json,
    "conn_from_fields": conn_from_fields,
    "config_read": config_read,
}


def _answer(op, req):
    try:
        return op(req)
    except Exception as e:  # noqa: BLE001 - every failure is an answer
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    for line in sys.stdin:
        try:
            req = json.loads(line)
            op = OPS[req["op"]]
        except Exception as e:  # noqa: BLE001
            answer = {"error": f"{type(e).__name__}: {e}"}
        else:
            if "cases" in req:
                answer = {"results": [_answer(op, case) for case in req["cases"]]}
            else:
                answer = _answer(op, req)
        _protocol.write(json.dumps(answer, default=repr) + "\n")
        _protocol.flush()


main()
