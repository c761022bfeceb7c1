"""Export the OpenAPI document: `python -m app.openapi_export openapi/openapi.json`.

The exported file is committed; tests/test_openapi.py fails when it drifts from the app.
No database is touched: the app's engine is never connected and its lifespan never runs.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from app.main import create_app
from app.settings import Settings


def build_schema() -> dict[str, Any]:
    """The OpenAPI document exactly as the running app serves it."""
    # `sqlite://` (in memory) would be the natural URL, but make_engine's pool arguments do not
    # fit SQLAlchemy's in-memory pool. A file URL in a throwaway directory is never opened: the
    # engine connects lazily and nothing here runs a query.
    with tempfile.TemporaryDirectory(prefix="cadre-openapi-") as tmp:
        settings = Settings(environment="test", database_url=f"sqlite:///{tmp}/unused.db")
        app = create_app(settings)
        try:
            return app.openapi()
        finally:
            app.state.engine.dispose()


def render(schema: dict[str, Any]) -> str:
    """Stable text: sorted keys, two-space indent, UTF-8 (Chinese stays readable), final newline."""
    return json.dumps(schema, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m app.openapi_export PATH", file=sys.stderr)
        return 2
    target = Path(args[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render(build_schema()), encoding="utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
