"""CDS Hooks 2.0: the ``dah-treatment`` service for the ``patient-view`` hook (docs/api.md)."""
