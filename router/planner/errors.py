"""Planning errors."""


class PlanningError(Exception):
    """The operation cannot be planned against this supergraph."""
