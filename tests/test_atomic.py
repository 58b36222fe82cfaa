import os
import stat
from pathlib import Path

from qualcert.report.atomic import atomic_outputs


def test_outputs_get_the_usual_permissions_not_mkstemps_0600(tmp_path: Path) -> None:
    umask = os.umask(0o022)
    try:
        with atomic_outputs() as stage:
            stage(tmp_path / "out.json").write_text("{}", encoding="utf-8")
    finally:
        os.umask(umask)
    assert stat.S_IMODE((tmp_path / "out.json").stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
