"""REST compatibility routes generated from the GraphQL operations of a subgraph."""

from shared.rest.routes import RestRoute

__all__ = ["RestRoute"]
