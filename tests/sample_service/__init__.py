"""A throwaway service that proves docs/architecture.md §7.2: an app joins the project through the
settings (natjoub/test_settings.py only) and a URLconf, and plugs into the core's registries without
an edit of ``natjoub/`` or of another app."""
