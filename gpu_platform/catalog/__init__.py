"""Facts as data: pinned chart and image versions, GPU instance types, model architectures."""
