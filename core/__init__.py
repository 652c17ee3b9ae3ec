"""The floor below every app: plumbing that owners, communications, complaints and incidents all
use (API error format, pagination, schema helpers, the strict serializer, page messages).

core imports none of our apps and has no models; see docs/architecture.md.
"""
