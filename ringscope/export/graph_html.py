"""graph.html: a self-contained, offline snapshot of a ring's graph.

A hand-drawn SVG, no JavaScript: the shared identifiers fill a disc (the most shared at
the centre), the ring's accounts sit on a circle around it, each placed by the direction
of the identifiers it uses so accounts sharing a card or a device sit together.
The layout is plain trigonometry on sorted input, so the same ring always gives the same
bytes (a force layout would need a random seed and differs across numeric libraries).

Every string from the graph is attacker-controlled (display names, e-mails, user agents)
and goes through `html.escape`; a Content-Security-Policy that forbids scripts and
remote loads backs that up if a future change forgets.
"""
from __future__ import annotations

import html
import math
from typing import Any, Iterable

from .. import display, domain
from .values import identifier_details, iso

#: kind (domain.SHARED_IDENTIFIER_KINDS): (legend, colour, abbreviation)
KIND_STYLE = {
    name: (domain.KINDS[name].title, colour, abbreviation)
    for name, colour, abbreviation in (
        (domain.INSTRUMENT.name, "#c0392b", "PI"),
        (domain.DEVICE.name, "#8e44ad", "DV"),
        (domain.IP.name, "#138d75", "IP"),
        (domain.TEMPLATE.name, "#d35400", "PT"),
    )
}
MEMBER_COLOUR = "#2e5e9e"
ADDED_COLOUR = "#d4a017"  # accounts an investigator added to the case
#: Above this many nodes, labels are left to the tooltips and tables.
LABEL_LIMIT = 60
TABLE_MEMBERS_SHOWN = 20

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; base-uri 'none'; form-action 'none'"


def e(value: Any) -> str:
    """HTML-escape anything (quotes too: the result is safe in text and in attributes), with
    bidi controls shown as `⟨U+202E⟩` (ringscope.display) so a note or name cannot reverse
    the rest of its line."""
    if value is None:
        return ""
    if isinstance(value, float):
        value = repr(round(value, 6))
    return html.escape(display.neutral(value), quote=True)


def _f(x: float) -> str:
    text = f"{x:.1f}"
    return "0.0" if text == "-0.0" else text


def _iso(value: Any) -> str:
    return iso(value) or ""


def identifier_half_size(identifier: dict[str, Any]) -> float:
    """Half the side of an identifier's square: grows with the accounts sharing it, capped."""
    return min(11.0, 3.5 + 1.2 * math.sqrt(identifier["shared_by"]))


GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))


def layout(members: list[dict[str, Any]], identifiers: list[dict[str, Any]]) -> tuple[dict[str, tuple[float, float]], dict[tuple[str, str], tuple[float, float]], float]:
    """Positions of members (by account_id) and identifiers (by (kind, identifier)), and the
    outer radius. Deterministic: depends only on the input, sorted here.

    Identifiers fill a disc on a sunflower (Vogel) spiral, the most shared at the centre;
    accounts sit on a circle around it, ordered by the direction of the identifiers they
    use, so accounts sharing a card or a device are neighbours.
    """
    n_members = len(members)
    ordered_ids = sorted(identifiers, key=lambda i: (-i["shared_by"], i["kind"], i["identifier"]))
    # Neighbours on a Vogel spiral are at least 1.546 * step apart: room for two squares' diagonals.
    widest = max((identifier_half_size(i) for i in identifiers), default=0.0)
    step = (2.9 * widest + 4) / 1.546
    id_pos: dict[tuple[str, str], tuple[float, float]] = {}
    for k, ident in enumerate(ordered_ids):
        radius = step * math.sqrt(k + 0.5) if len(ordered_ids) > 1 else 0.0
        angle = k * GOLDEN_ANGLE - math.pi / 2
        id_pos[(ident["kind"], ident["identifier"])] = (radius * math.cos(angle), radius * math.sin(angle))
    disc = step * math.sqrt(len(ordered_ids)) if len(ordered_ids) > 1 else 0.0
    outer = max(200.0, disc + 120.0, n_members * 16.0 / (2 * math.pi))

    pull: dict[str, list[float]] = {}
    for ident in identifiers:
        x, y = id_pos[(ident["kind"], ident["identifier"])]
        for account_id in ident["members"]:
            acc = pull.setdefault(account_id, [0.0, 0.0])
            acc[0] += x
            acc[1] += y

    def direction(member: dict[str, Any]) -> tuple[float, str]:
        x, y = pull.get(member["account_id"], (0.0, 0.0))
        if abs(x) < 1e-9 and abs(y) < 1e-9:
            return (10.0, member["account_id"])  # after every real angle: no pull either way
        return (round(math.atan2(y, x), 6), member["account_id"])

    ordered = sorted(members, key=direction)
    first = direction(ordered[0])[0] if ordered else 10.0
    start = first if first < 10 else -math.pi / 2
    member_pos = {}
    for i, member in enumerate(ordered):
        angle = start + 2 * math.pi * i / max(n_members, 1)
        member_pos[member["account_id"]] = (outer * math.cos(angle), outer * math.sin(angle))
    return member_pos, id_pos, outer


def _member_title(m: dict[str, Any]) -> str:
    lines = [
        f"account {m['account_id']}",
        f"e-mail: {m.get('email') or '-'}",
        f"name: {m.get('display_name') or '-'}",
        f"country: {m.get('country') or '-'}  tier: {m.get('tier') or '-'}",
        f"created: {_iso(m.get('created_at')) or '-'}",
        f"exchanges: {m.get('exchanges') if m.get('exchanges') is not None else '-'}",
        f"in case by: {m.get('added_by') or 'detect'}",
    ]
    return "\n".join(lines)


def _identifier_title(ident: dict[str, Any], details: str) -> str:
    legend = KIND_STYLE.get(ident["kind"], (ident["kind"], "", ""))[0]
    lines = [f"{legend} {ident['identifier']}", f"shared by {ident['shared_by']} account(s)"]
    if details:
        lines.append(details)
    return "\n".join(lines)


def _svg(ring: dict[str, Any], members: list[dict[str, Any]], identifiers: list[dict[str, Any]]) -> str:
    member_pos, id_pos, outer = layout(members, identifiers)
    half = outer + 90
    size = 2 * half
    labelled = len(members) + len(identifiers) <= LABEL_LIMIT
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="ring graph" '
        f'viewBox="{_f(-half)} {_f(-half)} {_f(size)} {_f(size)}" width="{_f(min(size, 1100))}">'
    ]
    edges = sum(len(i["members"]) for i in identifiers)
    # Many lines at full strength hide everything else: fade them as they multiply.
    opacity = 0.5 if edges <= 150 else max(0.06, 0.5 * math.sqrt(150 / edges))
    out.append(f'<g class="edges" stroke-opacity="{opacity:.2f}">')
    for ident in identifiers:
        colour = KIND_STYLE.get(ident["kind"], ("", "#777", ""))[1]
        ix, iy = id_pos[(ident["kind"], ident["identifier"])]
        for account_id in ident["members"]:
            if account_id in member_pos:
                mx, my = member_pos[account_id]
                out.append(f'<line x1="{_f(ix)}" y1="{_f(iy)}" x2="{_f(mx)}" y2="{_f(my)}" stroke="{colour}"/>')
    out.append("</g>")
    out.append('<g class="members">')
    for m in sorted(members, key=lambda m: m["account_id"]):
        x, y = member_pos[m["account_id"]]
        colour = MEMBER_COLOUR if (m.get("added_by") or "detect") == "detect" else ADDED_COLOUR
        out.append(f'<g class="node"><title>{e(_member_title(m))}</title>'
                   f'<circle cx="{_f(x)}" cy="{_f(y)}" r="6" fill="{colour}"/>')
        if labelled:
            anchor = "start" if x >= 0 else "end"
            dx = 9 if x >= 0 else -9
            out.append(f'<text x="{_f(x + dx)}" y="{_f(y + 3)}" text-anchor="{anchor}">{e(m["account_id"])}</text>')
        out.append("</g>")
    out.append("</g>")
    out.append('<g class="identifiers">')
    for ident in identifiers:
        legend, colour, abbreviation = KIND_STYLE.get(ident["kind"], (ident["kind"], "#777", "?"))
        x, y = id_pos[(ident["kind"], ident["identifier"])]
        r = identifier_half_size(ident)
        out.append(f'<g class="node"><title>{e(_identifier_title(ident, identifier_details(ident)))}</title>'
                   f'<rect x="{_f(x - r)}" y="{_f(y - r)}" width="{_f(2 * r)}" height="{_f(2 * r)}" rx="3" fill="{colour}"/>'
                   + (f'<text x="{_f(x)}" y="{_f(y + 3)}" text-anchor="middle" class="abbr">{e(abbreviation)}</text>' if r >= 8 else ""))
        if labelled:
            short = ident["identifier"] if len(ident["identifier"]) <= 24 else ident["identifier"][:21] + "..."
            out.append(f'<text x="{_f(x)}" y="{_f(y + r + 11)}" text-anchor="middle">{e(short)}</text>')
        out.append("</g>")
    out.append("</g></svg>")
    return "\n".join(out)


def _table(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> str:
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "\n".join("<tr>" + "".join(f"<td>{e(v)}</td>" for v in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table>"


def render(ring: dict[str, Any], members: list[dict[str, Any]], identifiers: list[dict[str, Any]], *, version: str) -> str:
    """The whole page as text. `ring` is export_ring_evidence's row; members and
    identifiers are export_members / export_identifiers rows, sorted."""
    legend = "".join(
        f'<span class="key"><span class="sw" style="background:{colour}"></span>{e(label)}</span>'
        for label, colour, _ in KIND_STYLE.values()
    )
    legend += (f'<span class="key"><span class="sw round" style="background:{MEMBER_COLOUR}"></span>account (detection)</span>'
               f'<span class="key"><span class="sw round" style="background:{ADDED_COLOUR}"></span>account (added by an investigator)</span>')
    summary = [
        ("status", ring.get("status")),
        ("score", ring.get("score")),
        ("signals", ", ".join(ring.get("signals") or []) or "-"),
        ("labels", ", ".join(ring.get("labels") or []) or "-"),
        ("accounts in the case", len(members)),
        ("removed from the case", len(ring.get("removed_members") or [])),
        ("shared identifiers", len(identifiers)),
        ("detected", _iso(ring.get("detected_at")) or "-"),
        ("detection version", ring.get("detection_version") if ring.get("detection_version") is not None else "-"),
    ]
    summary_html = "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in summary)
    note = f'<p class="note"><b>Note:</b> {e(ring.get("note"))}</p>' if ring.get("note") else ""
    member_table = _table(
        ("account_id", "e-mail", "display name", "country", "tier", "created", "exchanges", "in case by"),
        ((m["account_id"], m.get("email"), m.get("display_name"), m.get("country"), m.get("tier"),
          _iso(m.get("created_at")), m.get("exchanges"), m.get("added_by")) for m in members),
    )

    def shown(ids: list[str]) -> str:
        more = len(ids) - TABLE_MEMBERS_SHOWN
        return ", ".join(ids[:TABLE_MEMBERS_SHOWN]) + (f" (+{more} more, see identifiers.csv)" if more > 0 else "")

    identifier_table = _table(
        ("kind", "identifier", "shared by", "details", "accounts"),
        ((KIND_STYLE.get(i["kind"], (i["kind"],))[0], i["identifier"], i["shared_by"], identifier_details(i), shown(i["members"]))
         for i in identifiers),
    )
    title = f"Ring {ring['ring_id']} - RingScope evidence snapshot"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>{e(title)}</title>
<style>
body {{ font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }}
h1 {{ font-size: 20px; }} h2 {{ font-size: 16px; margin-top: 28px; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }}
dt {{ color: #666; }} dd {{ margin: 0; }}
svg {{ max-width: 100%; height: auto; border: 1px solid #ddd; background: #fcfcfc; }}
svg line {{ stroke-width: 1; }}
svg text {{ font-size: 9px; fill: #333; }} svg text.abbr {{ fill: #fff; font-weight: bold; }}
svg .node:hover circle, svg .node:hover rect {{ stroke: #000; stroke-width: 2; }}
.key {{ margin-right: 16px; white-space: nowrap; }}
.sw {{ display: inline-block; width: 12px; height: 12px; margin-right: 4px; vertical-align: middle; border-radius: 2px; }}
.sw.round {{ border-radius: 6px; }}
table {{ border-collapse: collapse; font-size: 12px; }}
th, td {{ border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #f3f3f3; }} .note {{ background: #fff8e1; padding: 8px; }}
td, dd, .note, h1 {{ overflow-wrap: anywhere; }}
</style>
</head>
<body>
<h1>{e(title)}</h1>
<dl>{summary_html}</dl>
{note}
<p>{legend}</p>
{_svg(ring, members, identifiers)}
<p>Hover a node for its details. Accounts sit on the outer circle; the identifiers two or more of them share fill the disc inside, the most shared at the centre.</p>
<h2>Accounts in the case ({len(members)})</h2>
{member_table}
<h2>Shared identifiers ({len(identifiers)})</h2>
{identifier_table}
<p><small>Written by RingScope {e(version)}. This page loads nothing and runs no script.</small></p>
</body>
</html>
"""
