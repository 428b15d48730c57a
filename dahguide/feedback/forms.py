from __future__ import annotations

from typing import Any, cast

from django import forms

from dahguide.feedback.models import COMMENT_MAX_LENGTH, Reason
from dahguide.feedback.services import reason_problems


class NotFollowedForm(forms.Form):
    """One recommendation of a revision marked not followed. Checks every field and reports all."""

    revision = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    recommendation_code = forms.ChoiceField(
        label="Recommendation",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={
            "invalid_choice": "Choose a recommendation of this plan.",
            "required": "Choose a recommendation of this plan.",
        },
    )
    reason_code = forms.ChoiceField(
        label="Why it was not followed",
        choices=Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "invalid_choice": "Choose one of the listed reasons.",
            "required": "Choose why the recommendation was not followed.",
        },
    )
    comment = forms.CharField(
        label="Comment",
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        help_text="Needed for “Clinical judgement differs” and “Other”. No names, record numbers or dates of birth.",
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )

    def __init__(self, *args: Any, recommendations: list[tuple[str, str]], **kwargs: Any) -> None:
        # Ids of their own: the case page also holds the comment and sign-off forms, whose fields
        # share these names (a label must point at its own form's field).
        kwargs.setdefault("auto_id", "id_not_followed_%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["recommendation_code"]).choices = [
            ("", "Choose a recommendation"),
            *recommendations,
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns
        if "reason_code" in data:
            problems = reason_problems(reason_code=data["reason_code"], comment=data.get("comment", ""))
            for name, message in problems.items():
                self.add_error(name, message)
        return data
