"""A test EHR on loopback (SMART discovery, authorize, token, FHIR R4) for the SMART launch tests."""

from tests.fake_ehr.server import CLIENT_ID, FakeEHR

__all__ = ["CLIENT_ID", "FakeEHR"]
