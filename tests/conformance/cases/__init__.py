"""One module per case, each defining ``CASE`` (a :class:`tests.conformance.harness.Case`)."""
