"""Voting uses the domain errors of the meetings app, so every entry point maps
them the same way."""

from core.exceptions import Conflict, DomainError, InvalidInput, NotAllowed, NotFound

__all__ = ["Conflict", "DomainError", "InvalidInput", "NotAllowed", "NotFound"]
