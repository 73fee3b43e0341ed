"""Serve gpu-platform's components to every Pulumi language (`pulumi package add <repo>/components`).

The schema is inferred from the typed facades (GpuPlatform, ModelDeployment, FallbackProxy) generated into
`gpu_platform/components/_schema.py` from the specs and the real components' declared outputs, re-exported by
`gpu_platform.components.served`; `python -m gpu_platform schema` prints the same schema offline.
"""

from pulumi.provider.experimental import component_provider_host

from gpu_platform import __version__
from gpu_platform.components.served import SERVED

if __name__ == "__main__":
    component_provider_host(SERVED, name="gpu-platform", version=__version__)
