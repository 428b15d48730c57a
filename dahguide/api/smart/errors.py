"""What can go wrong in a launch, in words for the physician. Each becomes a page, never a 500."""

from __future__ import annotations


class LaunchError(Exception):
    """A launch that cannot go on. ``title`` and ``message`` are shown; ``status`` is the HTTP status."""

    def __init__(self, title: str, message: str, *, status: int = 400, retry: bool = True) -> None:
        super().__init__(title)
        self.title = title
        self.message = message
        self.status = status
        self.retry = retry  # launching again from the EHR may help


def unknown_issuer() -> LaunchError:
    return LaunchError(
        "This EHR is not registered with DAH Guide",
        "DAH Guide reads charts only from the EHRs its administrator has allowed. Ask them to add this EHR's "
        "FHIR address to SMART_ALLOWED_ISS (see docs/smart.md).",
        status=403,
        retry=False,
    )


def ehr_unreachable(what: str) -> LaunchError:
    return LaunchError(
        "The EHR did not answer",
        f"DAH Guide could not {what}: the EHR was too slow or could not be reached. Nothing was filled in. "
        "Launch DAH Guide from the chart again in a moment, or start an assessment by hand.",
        status=504,
    )


def ehr_refused(what: str) -> LaunchError:
    return LaunchError(
        "The EHR refused the request",
        f"DAH Guide could not {what}. Nothing was filled in. Launch DAH Guide from the chart again, or start "
        "an assessment by hand.",
        status=502,
    )
