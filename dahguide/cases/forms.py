"""Forms of the case pages. Field rules live on the models; these only read and present input."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.text import capfirst

from dahguide import markup
from dahguide.cases.models import LABEL_MAX_LENGTH, PLEX_DECISION_CHOICES, CaseRevision, ReviewComment, SignOff
from dahguide.cases.selectors import DEFAULT_SORT, SORTS, CaseFilters
from dahguide.cases.validators import LABEL_WARNING, validate_label_has_no_identifiers
from dahguide.engine.intake import FIELDS

NOTE_WARNING = "No names, record numbers or dates of birth."


class SaveCaseForm(forms.Form):
    """Save a plan as a new case. ``content_hash`` is the guideline the physician was shown."""

    label = forms.CharField(
        max_length=LABEL_MAX_LENGTH,
        validators=[validate_label_has_no_identifiers],
        help_text=LABEL_WARNING,
        widget=markup.TextInput(attrs={"autocomplete": "off", "class": "form-control case-label-input"}),
    )
    content_hash = forms.CharField(max_length=64, widget=markup.HiddenInput)


class AmendCaseForm(forms.Form):
    """Save an amended plan as the case's next revision."""

    reason = forms.CharField(
        max_length=CaseRevision._meta.get_field("reason").max_length,
        help_text="What changed and why, for whoever reads the case later. " + NOTE_WARNING,
        widget=markup.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
    content_hash = forms.CharField(max_length=64, widget=markup.HiddenInput)


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Comment",
        max_length=ReviewComment._meta.get_field("text").max_length,
        help_text=NOTE_WARNING,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class SignOffForm(forms.Form):
    decision = forms.ChoiceField(choices=SignOff.Decision.choices, widget=forms.RadioSelect)
    reason_code = forms.ChoiceField(
        label="Reason for disagreeing",
        choices=[("", "—"), *SignOff.Reason.choices],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    comment = forms.CharField(
        max_length=SignOff._meta.get_field("comment").max_length,
        required=False,
        help_text="Required when you disagree. " + NOTE_WARNING,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class ChecklistForm(forms.Form):
    ticked = forms.TypedChoiceField(choices=[("true", "Tick"), ("false", "Untick")], coerce=lambda v: v == "true")
    note = forms.CharField(max_length=200, required=False)


class CaseFilterForm(forms.Form):
    """The list's filters (GET). Invalid values are reported and ignored, never a 400."""

    q = forms.CharField(label="Label contains", max_length=LABEL_MAX_LENGTH, required=False)
    etiology = forms.ChoiceField(required=False)
    plex_decision = forms.ChoiceField(
        label="Plasma exchange", choices=[("", "Any"), *PLEX_DECISION_CHOICES], required=False
    )
    date_from = forms.DateField(label="Saved from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Saved until", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    author = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    guideline_version = forms.TypedChoiceField(label="Guideline version", coerce=int, required=False, empty_value=None)
    sort = forms.ChoiceField(choices=[(key, label) for key, (label, _order) in SORTS.items()], required=False)

    def __init__(self, data: Any, *, authors: list[tuple[int, str]], versions: list[int]) -> None:
        super().__init__(data)
        etiologies = [(value, capfirst(label)) for value, label in FIELDS["etiology"].choices]
        cast(forms.ChoiceField, self.fields["etiology"]).choices = [
            ("", "Any"),
            ("not_given", "Not given"),
            *etiologies,
        ]
        cast(forms.ChoiceField, self.fields["author"]).choices = [("", "Anyone"), *authors]
        cast(forms.ChoiceField, self.fields["guideline_version"]).choices = [
            ("", "Any"),
            *((v, f"Version {v}") for v in versions),
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)

    def filters(self) -> CaseFilters:
        self.is_valid()  # errors are shown; the valid fields still filter
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return CaseFilters(
            etiology=data.get("etiology", ""),
            plex_decision=data.get("plex_decision", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            author_id=data.get("author"),
            guideline_version=data.get("guideline_version"),
            q=data.get("q", "").strip(),
            sort=data.get("sort", DEFAULT_SORT),
        )
