"""This patient's doses, caveats and withheld actions in words, for the CDS Hooks cards (markdown)
and the FHIR case export (plain text): one wording for both, from the plan document.

Nothing here decides anything: the engine computed the doses, applied the stances and withheld the
actions (docs/design/patient-modifiers.md); these functions only put them into sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dahguide.plans import labels


@dataclass(frozen=True)
class Style:
    strong: Callable[[str], str]  # a drug and its amount, a modifier's name
    aside: Callable[[str], str]  # "(secondary source)"


PLAIN = Style(strong=lambda text: text, aside=lambda text: text)
MARKDOWN = Style(strong=lambda text: f"**{text}**", aside=lambda text: f"_{text}_")  # CDS Hooks card detail


# Said where a source is not primary (REFERENCE tags [S], [U]).
VERIFICATION_WORDS = {"secondary": "secondary source", "unverified": "unverified"}


def verified(text: str, verification: str | None, *, style: Style = PLAIN) -> str:
    """The text, saying how it is sourced when that is not primary. Content texts that already say it
    ("… (not verified).", "(secondary source)") are left as they are."""
    words = VERIFICATION_WORDS.get(verification or "primary")
    if not words or "verified" in text or "secondary source" in text:
        return text
    return f"{text} {style.aside(f'({words})')}"


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def needed(missing: list[str]) -> str:
    """ "weight, height": the inputs a dose waits for, worded as the engine words them."""
    return ", ".join(labels.DOSE_INPUT_LABELS.get(m, m) for m in dict.fromkeys(missing))


def dose_line(dose: Mapping[str, Any], *, show_population: bool = False, style: Style = PLAIN) -> str:
    """ "Methylprednisolone 750 mg IV once daily for 3 days — 30 mg/kg × 25 kg = 750 mg. (secondary source)
    Confirm before prescribing.", or what it waits for: "Methylprednisolone: weight needed for the dose — …"."""
    drug, per, calculation = dose.get("drug", ""), dose.get("per", ""), dose.get("calculation", "")
    strong = style.strong
    if dose.get("amount"):
        line = f"{strong(' '.join(p for p in (drug, dose['amount'], dose.get('unit', '')) if p))} {per} — {calculation}"
    elif dose.get("missing"):
        inputs = needed(list(dose["missing"]))
        rule = calculation.removesuffix(f"; {inputs} needed")  # said once, first
        line = f"{strong(drug)}: {inputs} needed for the dose — {rule}, {per}"
    else:
        line = f"{strong(drug)} {per} — {calculation}"
    if show_population and (who := labels.POPULATION_LABELS.get(dose.get("population", ""))):
        line = f"{who.capitalize()}: {line}"
    extra = list(dose.get("adjustments", []))
    if dose.get("sources_differ"):
        extra.append("Sources differ: the lowest is shown.")
    if dose.get("note"):
        extra.append(dose["note"])
    # The mark goes on the dose itself: a note may speak of its own sourcing ("the cap is not verified").
    text = " ".join([verified(_sentence(line), dose.get("verification"), style=style), *(_sentence(t) for t in extra)])
    if dose.get("amount") and dose.get("confirm"):
        text += f" {dose['confirm']}"
    return text


def dose_lines(doses: list[Mapping[str, Any]], *, style: Style = PLAIN) -> list[str]:
    """One line per dose; labelled by age group where the adult and the paediatric dose are both shown
    (age unknown)."""
    both = {"adult", "paediatric"} <= {d.get("population") for d in doses}
    return [dose_line(d, show_population=both, style=style) for d in doses]


def caveat_line(caveat: Mapping[str, Any], *, style: Style = PLAIN) -> str:
    """ "Check first: platelets not recorded. If so: …" for a pending caveat; else "Low platelets: …"."""
    text = caveat.get("text", "")
    if caveat.get("pending"):
        return f"{style.strong('Check first')}: {text.removeprefix('Check first: ')}"
    label = labels.label_for(labels.MODIFIER_LABELS, caveat.get("modifier", ""))
    return verified(f"{style.strong(label)}: {text}", caveat.get("verification"), style=style)


def modifier_words(modifiers: list[str]) -> str:
    """ "Low platelets, Age under 18": the modifiers that withhold an action (as the plan page names them)."""
    return ", ".join(labels.label_for(labels.MODIFIER_LABELS, m) for m in modifiers)
