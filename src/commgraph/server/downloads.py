"""Tables as files to download: CSV that a spreadsheet opens safely, and JSON, each named for the page."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable

from flask import Response

# A cell that starts with one of these is a formula to a spreadsheet program (CSV injection): it gets a leading '.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def csv_download(rows: Iterable[dict[str, Any]], columns: list[str], filename: str) -> Response:
    """`rows` as CSV with a header line, in `columns` order, as an attachment called `filename`."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return Response(out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def json_download(body: dict[str, Any], filename: str) -> Response:
    """`body` as a JSON attachment called `filename` (the page's JSON twin stays a plain JSON answer)."""
    return Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
