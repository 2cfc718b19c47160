"""bcrypt at cost 12 (docs/api.md §4.4), on top of Django's BCryptSHA256PasswordHasher."""

from django.contrib.auth.hashers import BCryptSHA256PasswordHasher


class BCryptSHA256Cost12PasswordHasher(BCryptSHA256PasswordHasher):
    """Same algorithm name as Django's, so existing hashes verify; cost fixed at 12."""

    rounds = 12
