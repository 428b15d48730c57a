from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from dahguide.guidance.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Guideline markdown as safe HTML (the shared helper: markdown without raw HTML, then nh3)."""
    return render_markdown(text)
