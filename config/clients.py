"""The address of the client at the other end of a request, as every limit and lockout sees it.

DRF throttles, django-ratelimit and django-axes all call `client_address`, so one person is one
bucket everywhere and nobody picks their own bucket by sending an X-Forwarded-For header.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str:
    """REMOTE_ADDR, or, behind TRUSTED_PROXY_COUNT reverse proxies that each append the address they
    saw to X-Forwarded-For, the entry the outermost trusted proxy wrote (Nth from the right).

    Entries further left are the client's own claims and are never believed. A header with fewer
    entries than trusted proxies, or an entry that is not an IP address, falls back to REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = settings.TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    # Empty entries can only come from the client's own part of the header (left of the proxies').
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < trusted:
        return remote
    try:
        return str(ipaddress.ip_address(hops[-trusted]))
    except ValueError:
        return remote


def client_str_for_logs(username, ip_address, user_agent, path_info, request) -> str:
    """What django-axes writes to the log about a sign-in attempt: the route's name, never its path
    (activation and password-reset paths carry live tokens) and never the identifier or address."""
    from django.urls import Resolver404, resolve

    if isinstance(path_info, (tuple, list)):
        path_info = path_info[0] if path_info else ""
    try:
        route = resolve(path_info or "/").view_name
    except Resolver404:
        route = "unknown"
    return f'{{username: "********", ip_address: "********", route: "{route}"}}'
