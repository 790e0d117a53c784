"""The `mfe` command: run, migrate and seed the platform."""
