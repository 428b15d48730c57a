"""Editors' markdown reaches pages only through an allow-list: no script can run from content."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.utils.safestring import SafeString
from hypothesis import given
from hypothesis import strategies as st

from dahguide.guidance.markdown import CONTROL_CHARACTERS, render_markdown

XSS_PAYLOADS = {
    "script_tag": "<script>alert(1)</script>",
    "script_in_paragraph": "Dose <script src=https://evil.example/x.js></script> daily",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "event_handler_on_allowed_tag": '<strong onclick="alert(1)">bold</strong>',
    "event_handler_on_link": '<a href="https://kdigo.org" onmouseover="alert(1)">KDIGO</a>',
    "javascript_link_html": '<a href="javascript:alert(1)">x</a>',
    "javascript_link_markdown": "[x](javascript:alert(1))",
    "javascript_link_mixed_case": "[x](JaVaScRiPt:alert(1))",
    "javascript_link_entity_encoded": "[x](&#106;avascript:alert(1))",
    "javascript_link_tab_entity": "[x](java&#09;script:alert(1))",
    "javascript_link_angle_brackets": "[x](<javascript:alert(1)>)",
    "javascript_reference_link": "[x][1]\n\n[1]: javascript:alert(1)",
    "vbscript_link": "[x](vbscript:msgbox(1))",
    "data_url_link": "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data_url_image": "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "svg_onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "svg_script": "<svg><script>alert(1)</script></svg>",
    "iframe": '<iframe src="https://evil.example"></iframe>',
    "style_tag": "<style>body{display:none}</style>",
    "style_attribute": '<p style="background:url(javascript:alert(1))">x</p>',
    "title_attribute_breakout": '[x](https://kdigo.org "t" onmouseover="alert(1)")',
    "href_quote_breakout": '[x](https://kdigo.org" onmouseover="alert(1))',
    "html_comment": "<!-- <script>alert(1)</script> -->",
    "form_and_input": '<form action="https://evil.example"><input name=q></form>',
    "object_embed": '<object data="x.swf"></object><embed src="x.swf">',
    "meta_refresh": '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
}


class _Elements(HTMLParser):
    """The elements a browser would build from the HTML, with their attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Elements()
    parser.feed(str(html))
    return parser.elements


def _tags(html: str) -> set[str]:
    return {tag for tag, _ in elements(html)}


ALLOWED_ATTRIBUTES = {"a": {"href", "title", "rel"}}


@pytest.mark.parametrize("payload", XSS_PAYLOADS.values(), ids=XSS_PAYLOADS.keys())
def test_xss_payload_leaves_only_allowed_tags(payload):
    assert _tags(render_markdown(payload)) <= {"p", "a", "strong", "em", "code", "br", "ul", "ol", "li", "blockquote"}


@pytest.mark.parametrize("payload", XSS_PAYLOADS.values(), ids=XSS_PAYLOADS.keys())
def test_xss_payload_leaves_only_allowed_attributes(payload):
    for tag, attrs in elements(render_markdown(payload)):
        assert set(attrs) <= ALLOWED_ATTRIBUTES.get(tag, set()), (tag, attrs)


@pytest.mark.parametrize("payload", XSS_PAYLOADS.values(), ids=XSS_PAYLOADS.keys())
def test_xss_payload_leaves_no_link_but_http_https_or_mailto(payload):
    hrefs = [attrs["href"] for tag, attrs in elements(render_markdown(payload)) if "href" in attrs]
    assert all(urlsplit(href.strip()).scheme in {"http", "https", "mailto"} for href in hrefs), hrefs


def test_raw_html_is_shown_as_text_not_markup():
    assert render_markdown("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>"


def test_javascript_link_keeps_its_text_but_loses_its_target():
    assert render_markdown("[x](javascript:alert(1))") == '<p><a rel="noopener noreferrer">x</a></p>'


def test_an_image_from_elsewhere_is_replaced_by_a_visible_note():
    html = render_markdown("See ![Chest X-ray, day 1](https://example.org/x.png) first.")
    assert html == "<p>See <em>[Image not shown: Chest X-ray, day 1]</em> first.</p>"


def test_an_image_of_the_apps_own_guidance_images_is_shown():
    html = render_markdown('![Timeline](/static/guidance/timeline.png "Figure 1")')
    assert html == '<p><img alt="Timeline" src="/static/guidance/timeline.png" title="Figure 1"></p>'


def test_an_image_path_leaving_the_guidance_folder_is_not_shown():
    assert "img" not in render_markdown("![x](/static/guidance/../admin/x.png)")


def test_a_reference_image_from_elsewhere_is_replaced_by_a_visible_note():
    html = render_markdown("A ![chart][1] here.\n\n[1]: https://example.org/c.png")
    assert html == "<p>A <em>[Image not shown: chart]</em> here.</p>"


@pytest.mark.parametrize(
    "image", ['![](e.png"()', "![x](e.png'()", '![a"](e.png"(<(a)', '![x](https://e.org/a"(b.png)']
)
def test_text_after_an_image_with_a_quote_inside_is_kept(image):
    html = render_markdown(f"Before {image} after the image. (Then more) text.")
    assert "after the image. (Then more) text." in html


def test_text_after_a_link_with_an_unbalanced_quote_is_kept():
    html = render_markdown('See [KDIGO](https://kdigo.org/"() for the dose. (Twice) daily.')
    assert "for the dose. (Twice) daily." in html


@given(
    alt=st.text(alphabet="\"'<>`[]() a\\&=", max_size=5),
    target=st.text(alphabet="\"'<>`[]() a\\&=.", max_size=8),
    bang=st.sampled_from(["!", ""]),
)
def test_no_word_after_an_image_or_link_is_ever_lost(alt, target, bang):
    html = render_markdown(f"A {bang}[{alt}](e.png{target}) TAILWORD end.")
    assert "TAILWORD" in html


@pytest.mark.parametrize(
    "text",
    [
        "Bell\x07 here",
        "Escape \x1b[31m red",
        "Null \x00 byte",
        "C1 \x85 next line",
        "Entity &#7; bell",
        "Entity &#x1b; escape",
        "Markdown's own \x02 placeholder \x03",
    ],
)
def test_no_control_character_reaches_the_html(text):
    html = render_markdown(text)
    assert not CONTROL_CHARACTERS.search(html)
    assert CONTROL_CHARACTERS.sub("", text.split()[0]) in html  # the text around it stays


def test_tabs_and_line_breaks_are_kept():
    assert render_markdown("one\ntwo") == "<p>one\ntwo</p>"


def test_links_keep_http_https_and_mailto_with_rel_noopener():
    html = render_markdown('[KDIGO](https://kdigo.org "KDIGO 2024") [mail](mailto:a@example.org) [h](http://a.org)')
    assert html == (
        '<p><a href="https://kdigo.org" title="KDIGO 2024" rel="noopener noreferrer">KDIGO</a> '
        '<a href="mailto:a@example.org" rel="noopener noreferrer">mail</a> '
        '<a href="http://a.org" rel="noopener noreferrer">h</a></p>'
    )


def test_editor_formatting_survives():
    html = render_markdown("### Dose\n\n**Give** *now*:\n\n- one\n- two\n\nThen:\n\n1. a\n\n> quoted\n\n`code`")
    assert _tags(html) == {"h3", "p", "strong", "em", "ul", "ol", "li", "blockquote", "code"}


def test_large_headings_lose_their_tag_but_keep_their_text():
    assert render_markdown("# Title") == "Title"


def test_result_is_marked_safe_for_templates():
    assert isinstance(render_markdown("x"), SafeString)


def test_empty_text_renders_empty():
    assert render_markdown("") == ""
