"""NVIDIA device plugin: advertises `nvidia.com/gpu` on al2023 GPU nodes (time-slicing / MIG configs).

Its values live in :mod:`gpu_platform.render.gpu` with the device plugin configs, whose names the GPU NodePools'
labels select; this module declares how and when the chart is installed.
"""

from __future__ import annotations

from .. import gpu as rg
from .base import GPU, AddOn

NVIDIA_DEVICE_PLUGIN = AddOn(
    "nvidia-device-plugin", GPU, rg.DEVICE_PLUGIN_RELEASE, rg.NAMESPACE, rg.needs_device_plugin,
    lambda spec, installed: rg.device_plugin_values(spec),
    suffix="device-plugin",
)
