"""Serve one test subgraph with uvicorn: ``python -m tests.router.subgraphs.serve NAME PORT``."""

from __future__ import annotations

import sys

import uvicorn

from tests.router.subgraphs.apps import make_apps


def main() -> None:
    name, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run(make_apps()[name], host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    main()
