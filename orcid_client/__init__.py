"""The one module that talks to ORCID.

- `orcid_client.client.OrcidClient`: OAuth and the member API v3.0 (XML and JSON), with
  pooled connections, timeouts, retries with backoff, and the shared rate limiter.
- `orcid_client.errors`: ORCID's errors as typed exceptions (`NotFound`, `Duplicate`, …).
- `orcid_client.documents`: `WorkSummary`, `AffiliationSummary`, `OrcidRecord`, `OrcidToken`.
- `orcid_client.ratelimit`: `default_rate_limiter()`, the token bucket shared by all workers.
- `orcid_client.identifiers`, `orcid_client.redaction`: identifier normalisation, token masking.
"""
