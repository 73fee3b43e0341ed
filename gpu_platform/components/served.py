"""The components as other Pulumi languages see them (served by ``components/__main__.py``): how each one's args
become a call of the real component.

``pulumi.provider.experimental`` infers the package schema from a class's ``__init__(self, name, args, opts)``
annotation and its annotated outputs, and instantiates the class for each ``construct`` call. The real
components take pydantic specs (and a ``PlatformRef``), which that inference cannot read, so the served classes
are typed facades *generated* into ``_schema.py`` (``python -m gpu_platform schema --write-args``): args mirrored
from the specs, outputs from the real component's declarations (``_outputs.py``). A facade's ``__new__`` calls
:func:`_build.build`, which builds the real component from the args. The engine therefore records exactly the resource a
Python program would create (same type token, same children, same URNs); the facade itself never exists as a
resource.

Components that deploy onto an existing platform (``ModelDeployment``, ``FallbackProxy``) take the platform's
spec in ``args.platform`` and its Kubernetes provider from the resource options, as any multi-language component
does: ``new gpu.FallbackProxy("proxy", {...}, { providers: { kubernetes: k8sProvider } })``.
"""

from ._build import build, plain, platform_ref  # noqa: F401  (the facades' builder)

# The generated facades, under the names every caller (the plugin entry, tests) imports them by.
from ._schema import SERVED, FallbackProxy, GpuPlatform, ModelDeployment  # noqa: F401
