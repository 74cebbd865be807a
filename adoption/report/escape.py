"""Values from users' files are text, never markup: escaping for HTML and Markdown, and the
Content-Security-Policy every rendered page carries.

Team, department, tool, service, wave and file names come from files a user dropped into the
workspace; any of them can hold ``<script>``, ``<img onerror=...>`` or a Markdown link to
``javascript:``. Every report output interpolates such a value only through one of these
functions:

- :func:`escape_html` for HTML text and attribute values (tables, titles, the index page);
- :func:`escape_markdown` for Markdown captions (``IPython.display.Markdown`` passes raw HTML
  through, and Markdown itself turns ``[a](b)``, ``*a*`` or ``# a`` into markup);
- :func:`markdown_to_html` to show a Markdown caption inside an HTML table caption;
- :func:`escape_styler` so that a pandas Styler escapes every cell and every label.

:data:`CONTENT_SECURITY_POLICY` is the second line of defence: a rendered report needs no
script, no plug-in, no network and no form, so the policy allows none of them.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pandas.io.formats.style import Styler

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "csp_meta_tag",
    "escape_html",
    "escape_markdown",
    "escape_styler",
    "markdown_to_html",
]

#: What a rendered report may load or run: images only from ``data:`` URIs (the embedded
#: charts and the theme's icons), styles only inline (nbconvert's theme and the Styler's
#: table CSS are inline), fonts only embedded; no script at all (the exported notebook has
#: none), no plug-in, no ``<base>`` rewriting, no form submission, no connection.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'none'; object-src 'none'; base-uri 'none'; "
    "form-action 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:"
)

#: Characters that start inline markup anywhere in a line: escapes, emphasis, code, links
#: and images, raw HTML and entities, math, tables, strikethrough and autolinks.
_MD_INLINE = re.compile(r"([\\`*_\[\]<>&!$|~:])")
#: Characters that start a block (heading, list, setext underline) at the start of a line,
#: and an ordered-list marker (``1.`` or ``1)``): escaped when the value begins with them;
#: and a heading's closing ``#`` run after a space: escaped when the value ends with one.
_MD_LINE_START = re.compile(r"^([#+=-])|^(\d+)([.)])")
_MD_LINE_END = re.compile(r"(?<= )(#+)$")
#: Line breaks, tabs and other control characters: a new line could start a heading, a list
#: or a code block, so a name stays on one line.
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")


def csp_meta_tag() -> str:
    """The ``<meta http-equiv="Content-Security-Policy">`` tag for a page's ``<head>``."""
    return (f'<meta http-equiv="Content-Security-Policy" '
            f'content="{html.escape(CONTENT_SECURITY_POLICY, quote=False)}">')


def escape_html(value: object) -> str:
    """``value`` as HTML text or attribute value: ``& < > " '`` become character references.

    Examples
    --------
    >>> escape_html('<img src=x onerror="alert(1)">')
    '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;'
    """
    return html.escape(str(value), quote=True)


def escape_markdown(value: object) -> str:
    """``value`` as Markdown that renders as exactly its text, on one line.

    The characters that can start inline markup (raw HTML, entities, links, images,
    emphasis, code, math, tables, autolinks) are backslash-escaped wherever they are, those
    that start a block (``#``, ``-``, ``+``, ``=``, ``1.``) when the value begins with them
    (and a heading's closing ``#`` when it ends with one);
    line breaks and control characters become one space. Other punctuation is left alone,
    so ``2026-06`` stays readable in the Markdown source.

    Examples
    --------
    >>> escape_markdown("[click](javascript:alert(4))")
    '\\\\[click\\\\](javascript\\\\:alert(4))'
    >>> escape_markdown("R&D <Ops>")
    'R\\\\&D \\\\<Ops\\\\>'
    """
    text = _MD_INLINE.sub(r"\\\1", _CONTROL.sub(" ", str(value)))
    text = _MD_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)
    return _MD_LINE_END.sub(r"\\\1", text)


@cache
def _markdown():
    import mistune

    # escape=True: raw HTML in the text is shown as text, never passed through
    return mistune.create_markdown(escape=True)


def markdown_to_html(text: str) -> str:
    """A Markdown caption as HTML for a table caption (one paragraph's ``<p>`` dropped).

    Raw HTML in ``text`` is escaped and harmful link targets (``javascript:`` and the like)
    are neutralised by mistune, on top of the escaping callers do with
    :func:`escape_markdown`.
    """
    out = str(_markdown()(str(text))).strip()
    if out.startswith("<p>") and out.endswith("</p>") and out.count("<p>") == 1:
        out = out[3:-4]
    return out


def escape_styler(styler: Styler) -> Styler:
    """``styler`` with every cell value and every index and column label HTML-escaped.

    Call it before adding formatters of your own: a later ``Styler.format`` replaces the
    escaping of the cells it formats unless it passes ``escape="html"`` too.
    """
    return (styler.format(escape="html")
            .format_index(escape="html", axis=0)
            .format_index(escape="html", axis=1))
