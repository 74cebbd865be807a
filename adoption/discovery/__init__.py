"""Shadow-AI discovery: the AI service catalogue and proxy, DNS and SSO logs.

- :func:`load_catalogue`, :class:`ServiceMatcher`: the AI services and their web domains
  (shipped ``ai_services.csv`` plus the workspace's ``[discovery]`` additions).
- Source formats ``squid_access_log``, ``proxy_csv``, ``dns_csv``, ``sso_grants_csv`` (see
  ``adoption formats`` and docs/discovery.md), loading the ``discovery``, ``discovery_days``
  and ``oauth_grants`` tables.
- Evidence (:mod:`~adoption.discovery.evidence`): :func:`load_discovery` (logs),
  :func:`load_tool_evidence` (unsanctioned tools' own exports), :func:`load_evidence_coverage`
  (which evidence each period has: none is "no data"), :func:`service_status`,
  :func:`load_tool_status` (rules in :mod:`~adoption.discovery.sanctioning`).
- Metrics: :func:`compute_shadow_ai_use`, :func:`compute_shadow_ai_trend`,
  :func:`load_shadow_people`; per service: :func:`compute_shadow_ai_by_service`,
  :func:`first_seen_services`.

Names load on first use, so that the store's schema and the formats import this package
without pulling in the statistics libraries.
"""

from adoption.lazy import lazy_exports

_LAZY = {
    "ServiceMatcher": "adoption.discovery.catalogue",
    "load_catalogue": "adoption.discovery.catalogue",
    "classify_tools": "adoption.discovery.sanctioning",
    "compute_shadow_ai_by_service": "adoption.discovery.services",
    "compute_shadow_ai_trend": "adoption.discovery.metrics",
    "compute_shadow_ai_use": "adoption.discovery.metrics",
    "first_seen_services": "adoption.discovery.services",
    "load_discovery": "adoption.discovery.evidence",
    "load_evidence_coverage": "adoption.discovery.evidence",
    "load_shadow_people": "adoption.discovery.metrics",
    "load_tool_evidence": "adoption.discovery.evidence",
    "load_tool_status": "adoption.discovery.evidence",
    "service_status": "adoption.discovery.evidence",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
