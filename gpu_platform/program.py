"""The deployable program. `pulumi up` runs it through the top-level `__main__.py`; `gpu_platform plan` runs the
same file under the mock engine. Short on purpose: load and validate config → build → export."""

from __future__ import annotations


def main() -> None:
    import pulumi

    from .components.platform import GpuPlatform
    from .config import load_from_pulumi

    resolved = load_from_pulumi()
    spec = resolved.spec
    platform = GpuPlatform(spec.cluster.name, spec.platform_only())

    pulumi.export("clusterName", platform.cluster_name)
    pulumi.export("endpoint", platform.endpoint)
    pulumi.export("kubeconfig", platform.kubeconfig)
    pulumi.export("oidcIssuer", platform.oidc_issuer)
    pulumi.export("oidcProviderArn", platform.oidc_provider_arn)
    pulumi.export("vpcId", platform.vpc_id)
    pulumi.export("privateSubnetIds", platform.private_subnet_ids)
    pulumi.export("publicSubnetIds", platform.public_subnet_ids)
    # The contract other stacks deploy models onto this platform with (PlatformRef.from_stack_reference).
    from .components.ref import platform_contract

    pulumi.export("platform", platform_contract(spec, platform.cluster_name))

    # Models: one ModelDeployment per `models:` entry, on the platform's provider, after its operators.
    from .components.model import deploy_models

    config = pulumi.Config("gpu-platform")
    hf_tokens = {
        m.name: config.require_secret(m.source.hf_token_config_key) for m in spec.models if m.source.hf_token_config_key
    }
    models = deploy_models(platform.ref, resolved.models, hf_tokens=hf_tokens)
    # Per model: the component's outputs and, at the top, its sizing report as data (resolve.cost.model_summary).
    pulumi.export("models", {name: pulumi.Output.all(**md.outputs()).apply(lambda o: {**o, **o["summary"]})
                             for name, md in models.items()})
    # What the platform costs per hour, line by line: the floor, then every model (resolve.cost).
    from .resolve.cost import platform_cost

    pulumi.export("cost", platform_cost(spec, resolved.models).report())

    # The LiteLLM gateway in front of the models, with fallback chains to cloud APIs (`fallback:`).
    if spec.fallback.enabled and (spec.models or spec.fallback.external_models or spec.fallback.model_stacks):
        from .components.proxy import FallbackProxy, targets_from_models
        from .spec import Environment

        targets = targets_from_models(models, production=spec.environment is Environment.PROD)
        proxy = FallbackProxy("llm-gateway", platform.ref, spec.fallback, targets=targets)
        pulumi.export("llmGatewayUrl", proxy.url)
        pulumi.export("llmGatewayMasterKey", proxy.master_key)
