"""Guideline text is markdown written by content editors: render it, then sanitise it.

Two layers. Python-Markdown is told not to pass raw HTML through (an editor's ``<b>`` is shown
as typed), and nh3, an allow-list sanitiser, has the last word on whatever markdown produced:
only the tags, attributes and URL schemes below reach a page, and every link gets
``rel="noopener noreferrer"``.

Nothing an editor wrote is dropped silently:

- A link or image whose target is malformed (an unbalanced quote or bracket) stays as the text
  that was typed. Python-Markdown's own parser instead read on to a later ``)`` and swallowed the
  words in between into the target, where no reader saw them.
- An image is shown only from this app's own guidance images (``IMAGE_PREFIX``: static files
  shipped and reviewed with the code; the page's CSP allows no other origin). Any other image
  is replaced by a visible note with its description, which the editor sees in the admin preview.
- Control characters (other than tab and line breaks) are removed: they have no meaning in a
  guideline, are invisible on a page, and Python-Markdown uses two of them internally.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown.inlinepatterns import (
    IMAGE_LINK_RE,
    IMAGE_REFERENCE_RE,
    LINK_RE,
    ImageInlineProcessor,
    ImageReferenceInlineProcessor,
    LinkInlineProcessor,
    ShortImageReferenceInlineProcessor,
)

ALLOWED_TAGS = frozenset(
    {"p", "br", "em", "strong", "ul", "ol", "li", "a", "code", "blockquote", "h3", "h4", "h5", "h6", "img"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer"
IMAGE_PREFIX = "/static/guidance/"
# C0 controls but tab, line feed and carriage return; DEL; C1 controls.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# A link's "(target "title")" part, CommonMark's shape: a target in <angle brackets>, or one without
# spaces, quotes or angle brackets whose parentheses balance (one level: Wikipedia's "X_(disease)");
# then an optional title in double quotes, single quotes or parentheses.
_TARGET = re.compile(
    r"""\(\s*
    (?:<(?P<angle>[^<>\n]*)>|(?P<bare>(?:[^\s()<>"'\\]|\\.|\((?:[^\s()<>"'\\]|\\.)*\))*))
    (?:\s+(?P<title>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?
    \s*\)""",
    re.VERBOSE | re.DOTALL,
)


class _StrictLinkMixin:
    """A link target read by CommonMark's rules; anything else is not a link and stays as typed."""

    def getLink(self, data: str, index: int) -> tuple[str, str | None, int, bool]:  # noqa: N802 (Markdown's API)
        match = _TARGET.match(data, index)
        if match is None:
            return "", None, index, False
        href = match.group("angle") if match.group("angle") is not None else match.group("bare")
        title = match.group("title")
        if title is not None:
            title = re.sub(r"\s", " ", self.unescape(title[1:-1]).strip())
        return self.unescape(href).strip(), title, match.end(), True


def _image(src: str, title: str | None, alt: str) -> etree.Element:
    """The image when it is one of the app's own, else a visible note of what is not shown."""
    if src.startswith(IMAGE_PREFIX) and ".." not in src:
        element = etree.Element("img", {"src": src, "alt": alt})
        if title:
            element.set("title", title)
        return element
    note = etree.Element("em")
    note.text = f"[Image not shown: {alt}]" if alt.strip() else "[Image not shown]"
    return note


class _Link(_StrictLinkMixin, LinkInlineProcessor):
    pass


class _Image(_StrictLinkMixin, ImageInlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str):  # noqa: N802 (Markdown's API)
        text, index, handled = self.getText(data, m.end(0))
        if not handled:
            return None, None, None
        src, title, index, handled = self.getLink(data, index)
        if not handled:
            return None, None, None
        return _image(src, title, self.unescape(text)), m.start(0), index


class _ImageReference(ImageReferenceInlineProcessor):
    def makeTag(self, href: str, title: str, text: str) -> etree.Element:  # noqa: N802 (Markdown's API)
        return _image(href, title, self.unescape(text))


class _ShortImageReference(ShortImageReferenceInlineProcessor):
    def makeTag(self, href: str, title: str, text: str) -> etree.Element:  # noqa: N802 (Markdown's API)
        return _image(href, title, self.unescape(text))


def _markdown() -> markdown_lib.Markdown:
    md = markdown_lib.Markdown(output_format="html")
    # Raw HTML blocks and inline tags become escaped text instead of markup.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # The same names and priorities as Python-Markdown's own link and image patterns.
    md.inlinePatterns.register(_Link(LINK_RE, md), "link", 160)
    md.inlinePatterns.register(_Image(IMAGE_LINK_RE, md), "image_link", 150)
    md.inlinePatterns.register(_ImageReference(IMAGE_REFERENCE_RE, md), "image_reference", 140)
    md.inlinePatterns.register(_ShortImageReference(IMAGE_REFERENCE_RE, md), "short_image_ref", 125)
    return md


def _own_images_only(tag: str, attribute: str, value: str) -> str | None:
    # nh3's last word: an <img> keeps a source only if it is one of the app's own images.
    if tag == "img" and attribute == "src" and not (value.startswith(IMAGE_PREFIX) and ".." not in value):
        return None
    return value


def render_markdown(text: str) -> SafeString:
    """Safe HTML for an editor's markdown (an empty string for empty text)."""
    html = _markdown().convert(CONTROL_CHARACTERS.sub("", text or ""))
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_own_images_only,
    )
    # Character references (&#7;) become characters in nh3's output: remove controls once more.
    return mark_safe(CONTROL_CHARACTERS.sub("", clean))  # noqa: S308 - sanitised by nh3 just above
