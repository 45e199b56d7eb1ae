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


OPS = {
    "versions": versions,
    "re_match": re_match,
    "conn_from_uri": conn_from_uri,
    "conn_from_json": conn_from_json,
    "conn_from_fields": conn_from_fields,
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
