"""One declaration per REST route: which GraphQL root field it runs and how HTTP maps to it."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Literal

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True, slots=True)
class RestRoute:
    """`method path` runs the root field `field` of the subgraph's schema.

    Arguments are filled from, in order: path parameters (`{id}` → argument `id`), the query
    string (`query_arg` names an input-object argument that collects the query parameters;
    otherwise each parameter fills the argument of its name), the JSON body (`body_arg` names
    the argument that receives it whole), a `multipart/form-data` body (`upload_arg` names an
    `Upload` argument that receives the file part of that name; `max_body_bytes` is the route's
    own body limit, for uploads larger than the service's JSON limit) and headers (`headers`
    maps a header to an argument).
    Who may call the route is the field's own declaration (`guard(...)`), never repeated here.
    """

    method: Method
    path: str
    field: str
    summary: str
    status: int = 200
    body_arg: str | None = None
    query_arg: str | None = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    upload_arg: str | None = None
    max_body_bytes: int | None = None
    selection: str | None = None
    tags: tuple[str, ...] = ()

    @property
    def path_params(self) -> list[str]:
        return _PATH_PARAM.findall(self.path)
