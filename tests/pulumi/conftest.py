"""Every program run here writes its layer zip into a temporary directory, never build/ in the checkout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from maintenance_gate_pulumi import layer_archive


@pytest.fixture(scope="package", autouse=True)
def layer_build_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    build_dir = tmp_path_factory.mktemp("layer-build")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layer_archive, "DEFAULT_BUILD_DIR", build_dir)
        yield build_dir
