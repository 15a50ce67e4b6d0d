"""Case-workflow endpoints of the permission matrix (/api/v1); merged into tests/test_permission_matrix.py."""

from __future__ import annotations

from tests.matrix_support import Endpoint

MATRIX_API: dict[str, Endpoint] = {}
