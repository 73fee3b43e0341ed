"""Sub-commands beyond validate/plan register themselves with the CLI here (kept lazy: imported on CLI start)."""

from . import _delivery_cli  # noqa: E402,F401  check, diff, schema, docs, golden
from . import _model_notes  # noqa: E402,F401  per-model sizing and cost lines in the plan summary
from . import _verify_cli  # noqa: E402,F401  verify
