"""The simulator's HTML pages: ORCID's sign-in and consent screen, its error page, a home page,
and each record's page (what its researcher sees and can do on orcid.org).

Plain, accessible HTML with its own inline CSS (no CDN): labelled inputs, buttons named for what
they do ("Authorize access", "Deny access"), so that people and Playwright can use them alike.
"""

from __future__ import annotations

from html import escape

from werkzeug.wrappers import Response

SCOPE_TEXT = {
    "/authenticate": "Get your ORCID iD",
    "/read-limited": "Read your information with visibility set to Trusted Organizations",
    "/activities/update": "Add/update your research activities (works, affiliations, etc)",
    "/person/update": "Add/update other information about you (country, keywords, etc.)",
    "/read-public": "Read your public information",
    "openid": "Sign in with your ORCID iD",
}

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f4f4f4;color:#222}
header{background:#fff;border-bottom:4px solid #a6ce39;padding:.8rem 1.5rem}
header strong{color:#a6ce39;font-size:1.4rem;letter-spacing:.05em}
header span{color:#555;margin-left:.6rem}
main{max-width:40rem;margin:1.5rem auto;background:#fff;padding:1.5rem 2rem;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.35rem;margin-top:0}
fieldset{border:1px solid #ccc;border-radius:4px;margin:1rem 0;padding:.8rem 1rem}
legend{font-weight:600;padding:0 .3rem}
label{display:block;margin:.5rem 0 .2rem}
input[type=text],select{width:100%;padding:.45rem;border:1px solid #888;border-radius:3px;font-size:1rem;
box-sizing:border-box}
.radio label{display:inline;margin-left:.3rem}
.actions{display:flex;gap:1rem;margin-top:1.2rem}
button{font-size:1rem;padding:.6rem 1.2rem;border-radius:4px;border:2px solid #2e7f18;cursor:pointer}
button.authorize{background:#2e7f18;color:#fff}
button.deny{background:#fff;color:#8a1c1c;border-color:#8a1c1c}
button:focus,input:focus,select:focus{outline:3px solid #ffbf47;outline-offset:1px}
ul.scopes li{margin:.3rem 0}
.note{color:#555;font-size:.9rem}
.error{border-left:5px solid #b10e1e;padding-left:1rem}
"""


def _page(title: str, body: str, status: int = 200) -> Response:
    html = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{escape(title)} | ORCID simulator</title><style>{STYLE}</style></head><body>"
        "<header><strong>ORCID</strong><span>simulator (not the real ORCID)</span></header>"
        f"<main>{body}</main></body></html>"
    )
    return Response(html, status, content_type="text/html; charset=utf-8")


def error_page(message: str, status: int = 400) -> Response:
    return _page("Error", f"<div class=\"error\" role=\"alert\"><h1>Something went wrong</h1>"
                          f"<p>{escape(message)}</p></div>", status)


def consent_page(*, client, scopes, params, records: list[tuple[str, str]]) -> Response:
    hidden = "".join(
        f"<input type=\"hidden\" name=\"{escape(key)}\" value=\"{escape(params.get(key) or '')}\">"
        for key in ("client_id", "response_type", "scope", "redirect_uri", "state")
        if params.get(key) is not None
    )
    scope_items = "".join(f"<li>{escape(SCOPE_TEXT.get(s, s))}</li>" for s in sorted(scopes))
    options = "".join(f"<option value=\"{escape(orcid)}\">{escape(name)} ({escape(orcid)})</option>"
                      for orcid, name in records)
    existing = ""
    if records:
        existing = (
            "<div class=\"radio\"><input type=\"radio\" id=\"account-existing\" name=\"account\" value=\"existing\">"
            "<label for=\"account-existing\">Sign in to an existing ORCID record</label></div>"
            "<label for=\"orcid\">Existing record</label>"
            f"<select id=\"orcid\" name=\"orcid\"><option value=\"\">Choose a record</option>{options}</select>"
        )
    body = f"""
<h1>{escape(client.name)} has asked for the following access to your ORCID record</h1>
<ul class="scopes">{scope_items}</ul>
<form method="post" action="/oauth/authorize">
{hidden}
<fieldset>
<legend>Who are you?</legend>
<div class="radio"><input type="radio" id="account-new" name="account" value="new" checked>
<label for="account-new">Create a new ORCID record</label></div>
<label for="given_names">Given names</label>
<input type="text" id="given_names" name="given_names" autocomplete="given-name">
<label for="family_name">Family name</label>
<input type="text" id="family_name" name="family_name" autocomplete="family-name">
{existing}
</fieldset>
<p class="note">This access stays in place until you revoke it in your account settings.</p>
<div class="actions">
<button type="submit" class="authorize" name="action" value="authorize">Authorize access</button>
<button type="submit" class="deny" name="action" value="deny">Deny access</button>
</div>
</form>"""
    return _page("Authorize access", body)


def home_page(sim) -> Response:
    with sim.lock:
        rows = "".join(
            f"<li><a href=\"/{escape(r.orcid)}\">{escape(r.name) or 'Unnamed researcher'}</a> "
            f"<code>{escape(r.orcid)}</code>: {len(r.items)} item(s)</li>"
            for r in sim.records.values()
        )
    body = (
        "<h1>ORCID member API v3.0 simulator</h1>"
        "<p>OAuth at <code>/oauth/authorize</code>, <code>/oauth/token</code>, <code>/oauth/revoke</code>; "
        "the member API at <code>/v3.0/{orcid}/…</code>; the test-control interface at "
        "<code>/_simulator/</code>.</p>"
        f"<h2>Records</h2><ul>{rows or '<li>none yet</li>'}</ul>"
    )
    return _page("ORCID simulator", body)


RECORD_STYLE = """
main.record{max-width:60rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.4rem .5rem;text-align:left;vertical-align:top}
td form{display:inline}
td button{font-size:.85rem;padding:.25rem .6rem;margin:0 .2rem .2rem 0;border-width:1px}
button.delete{color:#8a1c1c;border-color:#8a1c1c;background:#fff}
button.plain{color:#222;border-color:#555;background:#fff}
"""


# The sections in the order of orcid.org's record page.
PAGE_SECTIONS = (("employment", "Employment"), ("education", "Education"), ("qualification", "Qualifications"),
                 ("invited-position", "Invited positions"), ("distinction", "Distinctions"),
                 ("membership", "Memberships"), ("service", "Services"), ("funding", "Funding"), ("work", "Works"))
STATE_TEXT = {
    "locked": "This record is locked: ORCID answers 409 (error 9018) to every call.",
    "deactivated": "This record is deactivated: its tokens are disabled and ORCID answers 409 (error 9044).",
    "unclaimed": "This record has not been claimed: ORCID answers 409 (error 9036).",
}


def _notifications(record) -> str:
    rows = "".join(
        f"<li><strong>{escape(n.get('subject') or 'Permission request')}</strong> from "
        f"{escape(n.get('source_name') or '')}: {escape(n.get('intro') or '')} "
        f"<a href=\"{escape(n.get('authorization_url') or '')}\">Grant permission</a>"
        + (f" ({len(n['items'])} item(s))" if n.get("items") else "") + "</li>"
        for n in record.notifications
    )
    return f"<h2>Notifications</h2><ul>{rows or '<li>None.</li>'}</ul>"


def _state_note(record) -> str:
    if record.state == "deprecated":
        text = f"This record is deprecated: its primary record is {record.primary}."
    else:
        text = STATE_TEXT.get(record.state, "")
    return f'<p role="status" class="error">{escape(text)}</p>' if text else ""


def _item_title(item) -> str:
    from orcid_simulator import paths

    body = item.body
    if item.kind in ("work", "funding"):
        title = paths.findtext(body, f"{item.kind}:title/common:title", "") or ""
        return title.strip() or "(untitled)"
    role = (paths.findtext(body, "common:role-title", "") or "").strip()
    department = (paths.findtext(body, "common:department-name", "") or "").strip()
    organisation = (paths.findtext(body, "common:organization/common:name", "") or "").strip()
    return ", ".join(part for part in (role, department, organisation) if part) or f"({item.kind})"


def _item_ids(item) -> str:
    from orcid_simulator.state import external_ids

    return "; ".join(f"{escape(t)}: {escape(v)}" for t, v, rel in external_ids(item.body) if rel == "self")


def record_page(*, record, items, trusted: list[tuple[str, str]], message: str = "") -> Response:
    """The record as its researcher sees it on orcid.org, with what a researcher can do there:
    delete an item, change its visibility, revoke a trusted organisation's access."""
    base = f"/{escape(record.orcid)}/researcher"
    sections = []
    for kind, heading in PAGE_SECTIONS:
        rows = []
        for item in (i for i in items if i.kind == kind):
            visibility_forms = "".join(
                f'<form method="post" action="{base}/items/{item.put_code}">'
                f'<input type="hidden" name="visibility" value="{v}">'
                f'<button type="submit" class="plain">Make {v}</button></form>'
                for v in ("public", "limited", "private") if v != item.visibility
            )
            rows.append(
                f"<tr><td>{escape(_item_title(item))}</td><td>{_item_ids(item) or '—'}</td>"
                f"<td>{item.put_code}</td><td>{escape(item.source_name)}</td><td>{escape(item.visibility)}</td>"
                f'<td><form method="post" action="{base}/items/{item.put_code}">'
                f'<input type="hidden" name="delete" value="1">'
                f'<button type="submit" class="delete">Delete</button></form>{visibility_forms}</td></tr>'
            )
        table = (
            "<table><thead><tr><th scope=\"col\">Title</th><th scope=\"col\">Identifiers</th>"
            "<th scope=\"col\">Put-code</th><th scope=\"col\">Source</th><th scope=\"col\">Visibility</th>"
            f"<th scope=\"col\">As the researcher</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
            if rows else "<p>None.</p>"
        )
        sections.append(f"<h2>{heading}</h2>{table}")
    trusted_rows = "".join(
        f'<li>{escape(name)} <code>{escape(client_id)}</code> '
        f'<form method="post" action="{base}/revoke" style="display:inline">'
        f'<input type="hidden" name="client_id" value="{escape(client_id)}">'
        f'<button type="submit" class="delete">Revoke access</button></form></li>'
        for client_id, name in trusted
    )
    body = (
        f"<h1>{escape(record.name) or 'Unnamed researcher'}</h1>"
        f"<p><code>{escape(record.orcid)}</code> · <a href=\"/\">all records</a></p>"
        + (f'<p role="status" class="note">{escape(message)}</p>' if message else "")
        + _state_note(record)
        + "".join(sections)
        + _notifications(record)
        + f"<h2>Trusted organizations</h2><ul>{trusted_rows or '<li>None.</li>'}</ul>"
        + "<p class=\"note\">The actions here are the researcher's own, as on orcid.org: a deletion or "
          "a visibility change notifies registered webhooks; revoking access leaves the organisation "
          "able to delete its own items only.</p>"
    )
    response = _page(record.name or record.orcid, body)
    response.set_data(response.get_data(as_text=True).replace("</style>", RECORD_STYLE + "</style>", 1)
                      .replace("<main>", '<main class="record">', 1))
    return response
