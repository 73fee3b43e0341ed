"""Sub-commands beyond validate/plan register themselves with the CLI here (kept lazy: imported on CLI start)."""
