"""Flask CLI commands: ``flask catalog ...``, ``flask admin ...`` and ``flask shop ...``."""
