"""Refusals the auth layer raises; the core answers them with gRPC status codes like its own errors."""

from __future__ import annotations

__all__ = ["AuthFailure", "InvalidArgument", "NotFound", "PermissionDenied", "Unauthenticated"]


class AuthFailure(Exception):
    """Base of the auth layer's refusals."""


class Unauthenticated(AuthFailure):
    """The caller could not be authenticated (no credentials, bad credentials, a forged identity)."""


class PermissionDenied(AuthFailure):
    """The caller is known but may not do this (an auth handler said no, or their role does not allow it)."""


class NotFound(AuthFailure):
    """A handler answered 404, or an operator key that does not exist."""


class InvalidArgument(AuthFailure):
    """Malformed input to the auth layer (an unknown role …); the message names the field."""
