"""HTTP helpers shared by the simulator's routes: answers, bodies, credentials, ORCID's nginx pages.
(Not named `http`: run from inside the package, that would shadow the standard library's.)"""

from __future__ import annotations

import base64
import json
import urllib.parse
from typing import Any

from werkzeug.wrappers import Request, Response

XML_TYPE = "application/vnd.orcid+xml; charset=UTF-8"
JSON_TYPE = "application/vnd.orcid+json; charset=UTF-8"
# nginx's page in front of ORCID's API when a client goes past its request rate.
RATE_LIMIT_PAGE = (
    "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n"
    "<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)
GATEWAY_PAGES = {
    502: "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
         "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
    504: "<html>\r\n<head><title>504 Gateway Time-out</title></head>\r\n<body>\r\n<center><h1>504 Gateway "
         "Time-out</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
}
ROOTS = {"work": ("work", "work"), "employment": ("employment", "employment")}
UPDATE_SCOPES = {"/activities/update"}
READ_SCOPES = {"/read-limited", "/activities/update", "/activities/read-limited", "/read-public"}



class DropConnection(Exception):
    """The write is committed; close the socket without answering (a lost answer)."""


# HTML pages for people: no faults, latency or rate limit apply to them.


# ---- helpers ---------------------------------------------------------------------------------------
def see_other(location: str) -> Response:
    return Response(b"", 303, headers={"Location": location})


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status, content_type="application/json;charset=UTF-8")


def json_body(request: Request) -> dict:
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def bearer(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer"):
        value = header[len("bearer"):].strip().split(",")[0].strip()
        return value or None
    return request.args.get("access_token") or None


def client_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
            client_id, _, secret = decoded.partition(":")
            return urllib.parse.unquote(client_id), urllib.parse.unquote(secret)
        except (ValueError, UnicodeDecodeError):
            return None, None
    return request.form.get("client_id"), request.form.get("client_secret")


def redirect(redirect_uri: str, params: dict[str, str | None]) -> Response:
    query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
    separator = "&" if urllib.parse.urlsplit(redirect_uri).query else "?"
    return Response(b"", 302, headers={"Location": f"{redirect_uri}{separator}{query}"})

