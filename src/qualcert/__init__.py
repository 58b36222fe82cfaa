"""qualcert: rubric-as-code scoring for social-service quality certification."""

from importlib.metadata import PackageNotFoundError, version

from qualcert.errors import InputError, Location, Problem, QualcertError
from qualcert.rubric import Rubric, load_rubric

try:
    __version__ = version("qualcert")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "InputError",
    "Location",
    "Problem",
    "QualcertError",
    "Rubric",
    "__version__",
    "load_rubric",
]
