"""`GpuPlatform`: VPC, EKS (API auth, access entries, OIDC), the system node group, add-ons, Kubernetes provider."""

from __future__ import annotations

import json
from typing import Any, Optional, Union

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

# pulumi_aws.ec2's package __init__ loads ~200 resource modules (~0.6 s); importing the modules we use directly keeps
# `plan` close to the engine's floor (see benchmarks/bench_plan.py).
from pulumi_aws.ec2.launch_template import LaunchTemplate
from pulumi_aws.ec2.security_group_rule import SecurityGroupRule

from ..catalog.versions import eks_addon_version
from ..render import cluster as rc
from ..render.iam import NODE_ROLE_POLICIES, service_trust_policy
from ..render.labels import DISCOVERY_TAG
from ..resolve import ResolvedPlatform
from ..spec import PlatformSpec
from ._iam import attach_managed_policies, pod_identity_role
from ._k8s import apply_object
from ._outputs import register_declared_outputs
from ._validate import fail, input_error, resolved_platform
from .operators import Operators
from .gpu import GpuAddons
from .karpenter import Karpenter
from .network import Network
from .ref import PlatformRef


def _refuse_workloads(spec: PlatformSpec) -> None:
    """GpuPlatform builds the platform, not what runs on it: models and the gateway are their own components, so
    a spec that carries them would otherwise be half-deployed without a word."""
    fields = [f for f, used in (("models", bool(spec.models)),
                                ("fallback", bool(spec.fallback.external_models or spec.fallback.chains
                                              or spec.fallback.model_stacks))) if used]
    if fields:
        raise input_error(
            [(f, "not deployed by GpuPlatform") for f in fields],
            f"{fields[0]}: GpuPlatform does not deploy models or the LLM gateway; create them on platform.ref with "
            "deploy_models(platform.ref, spec.models) (or one ModelDeployment per model) and FallbackProxy, as "
            "gpu_platform.program does, and pass GpuPlatform spec.platform_only()",
        )


def _refuse_creator_in_admins(spec: PlatformSpec) -> None:
    """The deploying principal gets EKS's creator access entry; listing it in admins too makes EKS refuse the second
    entry mid-`up`. Checked before anything registers (a synchronous invoke, as zone discovery is)."""
    if not spec.cluster.admins:
        return
    caller = aws.get_caller_identity()
    i = rc.creator_conflict(spec, caller.arn)
    if i is not None:
        fail(f"cluster.admins[{i}].principal_arn", "duplicates the creator access entry",
             f"{spec.cluster.admins[i].principal_arn} is the principal running this deployment ({caller.arn}); "
             "EKS already gives it cluster admin as the cluster's creator and refuses a second access entry: remove it "
             "from admins, or deploy with another principal")


class GpuPlatform(pulumi.ComponentResource):
    """The platform: network, EKS cluster, system node group, add-ons and the Kubernetes provider for everything else.

    Accepts a :class:`PlatformSpec` or a plain dict (validated on entry; bad input fails before any resource).
    Models and the gateway are separate components (``deploy_models``, ``ModelDeployment``, ``FallbackProxy``): a
    spec that still carries them is refused; pass ``spec.platform_only()``.
    """

    cluster_name: pulumi.Output[str]
    """EKS cluster name (resolves once the cluster exists)."""
    endpoint: pulumi.Output[str]
    """Kubernetes API server URL."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig JSON (secret); it runs `aws eks get-token`, so it holds no credentials itself."""
    oidc_issuer: pulumi.Output[str]
    """The cluster's OIDC issuer URL."""
    oidc_provider_arn: pulumi.Output[str]
    """ARN of the cluster's IAM OIDC provider (for IRSA)."""
    vpc_id: pulumi.Output[str]
    """The VPC the cluster runs in."""
    public_subnet_ids: pulumi.Output[list[str]]
    """Public subnet ids, one per zone."""
    private_subnet_ids: pulumi.Output[list[str]]
    """Private subnet ids, one per zone (nodes run here)."""
    node_security_group_id: pulumi.Output[str]
    """Security group of the nodes."""
    provider: k8s.Provider
    """Kubernetes provider for the cluster; pass it (or :attr:`ref`) to every Kubernetes resource."""
    ref: PlatformRef
    """What other components (ModelDeployment, FallbackProxy) need to build on this platform."""

    def __init__(
        self,
        name: str,
        spec: Union[PlatformSpec, ResolvedPlatform, dict[str, Any]],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        spec = resolved_platform(spec).spec
        _refuse_workloads(spec)
        _refuse_creator_in_admins(spec)
        super().__init__("gpu-platform:index:GpuPlatform", name, None, opts)
        self.spec, self._name = spec, name
        self._child = pulumi.ResourceOptions(parent=self)
        self._tags = rc.platform_tags(spec)

        network = Network(f"{name}-network", spec, opts=self._child)
        cluster = self._cluster(network)
        # The cluster name is known statically, but deriving it from a cluster output makes everything that uses
        # it (node groups, add-ons, pod identity, Karpenter) wait for the control plane.
        self.cluster_name = cluster.kubeconfig_json.apply(lambda _: spec.cluster.name)
        self._api_access_rules(cluster)
        system_nodes = self._system_nodes(network)
        pod_identity_agent, ebs_csi = self._eks_addons(system_nodes)

        # Kubernetes provider: a fixed cluster_identifier keeps a changed kubeconfig (rotated CA, new endpoint) from
        # replacing every Kubernetes resource (pulumi-eks#764, pulumi-kubernetes#2745).
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.secret(cluster.kubeconfig_json),
            cluster_identifier=spec.cluster.name,
            opts=self._child,
        )
        self.ref = self._workload_layer(system_nodes, pod_identity_agent, ebs_csi)

        self.endpoint = cluster.kubeconfig_json.apply(lambda kc: json.loads(kc)["clusters"][0]["cluster"]["server"])
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.oidc_issuer = cluster.oidc_issuer
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.vpc_id = network.vpc_id
        self.public_subnet_ids = network.public_subnet_ids
        self.private_subnet_ids = network.private_subnet_ids
        self.node_security_group_id = cluster.node_security_group_id
        self.system_node_group = system_nodes
        register_declared_outputs(self)

    def _secrets_key(self) -> Optional[pulumi.Input[str]]:
        spec, name = self.spec, self._name
        kms_key_arn: Optional[pulumi.Input[str]] = spec.cluster.secrets_encryption.kms_key_arn
        if spec.cluster.secrets_encryption.enabled and kms_key_arn is None:
            key = aws.kms.Key(
                f"{name}-secrets-key",
                description=f"EKS secrets envelope encryption for {spec.cluster.name}",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                tags=self._tags,
                opts=self._child,
            )
            aws.kms.Alias(f"{name}-secrets-key", name=f"alias/{spec.cluster.name}-eks-secrets",
                          target_key_id=key.key_id, opts=self._child)
            kms_key_arn = key.arn
        return kms_key_arn

    def _cluster(self, network: Network) -> eks.Cluster:
        spec = self.spec
        endpoint = spec.cluster.endpoint
        return eks.Cluster(
            f"{self._name}-eks",
            name=spec.cluster.name,
            version=spec.cluster.kubernetes_version,
            vpc_id=network.vpc_id,
            public_subnet_ids=network.public_subnet_ids,
            private_subnet_ids=network.private_subnet_ids,
            node_associate_public_ip_address=False,
            skip_default_node_group=True,
            # The model namespaces' default-deny NetworkPolicies are enforced only when the VPC CNI's network policy
            # agent is on (EKS docs, cni-network-policy: off by default); without it they are decoration.
            vpc_cni_options=eks.VpcCniOptionsArgs(enable_network_policy=True),
            authentication_mode=eks.AuthenticationMode.API,
            access_entries=rc.access_entries(spec),
            create_oidc_provider=True,
            endpoint_public_access=endpoint.public,
            endpoint_private_access=endpoint.private,
            public_access_cidrs=list(endpoint.public_access_cidrs) if endpoint.public else None,
            encryption_config_key_arn=self._secrets_key(),
            enabled_cluster_log_types=[t.value for t in spec.cluster.log_types],
            node_security_group_tags={DISCOVERY_TAG: spec.cluster.name},
            tags=self._tags,
            opts=self._child,
        )

    def _api_access_rules(self, cluster: eks.Cluster) -> None:
        for i, cidr in enumerate(self.spec.cluster.endpoint.private_access_cidrs):
            SecurityGroupRule(
                f"{self._name}-api-access-{i}",
                type="ingress",
                description=f"Kubernetes API from {cidr} (private endpoint access path)",
                security_group_id=cluster.cluster_security_group_id,
                protocol="tcp",
                from_port=443,
                to_port=443,
                cidr_blocks=[cidr],
                opts=self._child,
            )

    def _system_nodes(self, network: Network) -> aws.eks.NodeGroup:
        """Where Karpenter, CoreDNS and the operators run: Karpenter cannot run on nodes it manages."""
        spec, name, tags = self.spec, self._name, self._tags
        node_role = aws.iam.Role(
            f"{name}-system-node",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            description=f"System node group of {spec.cluster.name}",
            tags=tags,
            opts=self._child,
        )
        attachments = attach_managed_policies(
            f"{name}-system-node", node_role, NODE_ROLE_POLICIES, self, region=spec.region
        )
        lt = rc.launch_template_args(spec.system_nodes.disk_size_gib)
        launch_template = LaunchTemplate(
            f"{name}-system",
            name_prefix=f"{spec.cluster.name}-system-",
            metadata_options=lt["metadata_options"],
            block_device_mappings=lt["block_device_mappings"],
            vpc_security_group_ids=None,
            tag_specifications=[{"resource_type": "instance", "tags": {**tags, "Name": f"{spec.cluster.name}-system"}}],
            tags=tags,
            opts=self._child,
        )
        return aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=self.cluster_name,
            # A prefix, not a fixed name: a change that replaces the group (instance types) then creates the new
            # group before deleting the old one, so Karpenter and the webhooks always have somewhere to run.
            node_group_name_prefix=f"{spec.cluster.name}-system-",
            node_role_arn=node_role.arn,
            subnet_ids=network.private_subnet_ids,
            launch_template={"id": launch_template.id, "version": launch_template.latest_version.apply(str)},
            tags=tags,
            **rc.system_node_group_args(spec),
            # desired_size is a starting point; do not fight whoever scales the group later.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=attachments, ignore_changes=["scalingConfig.desiredSize"]
            ),
        )

    def _eks_addons(self, system_nodes: aws.eks.NodeGroup) -> tuple[aws.eks.Addon, aws.eks.Addon]:
        """Managed add-ons beyond the ones pulumi-eks manages (vpc-cni, kube-proxy); returns the Pod Identity agent
        and the EBS CSI driver, which later resources wait for."""
        spec, name, tags = self.spec, self._name, self._tags
        common = dict(
            cluster_name=self.cluster_name,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            tags=tags,
        )
        addon_opts = pulumi.ResourceOptions(parent=self, depends_on=[system_nodes])
        # CoreDNS as a managed, pinned add-on on the system nodes: pulumi-eks manages it only with a default node
        # group, so it stayed EKS's self-managed bootstrap copy, unpinned and free to land on GPU nodes.
        aws.eks.Addon(
            f"{name}-coredns",
            addon_name="coredns",
            addon_version=eks_addon_version("coredns", spec.cluster.kubernetes_version),
            configuration_values=json.dumps(rc.coredns_configuration(spec)),
            **common,
            opts=addon_opts,
        )
        pod_identity_agent = aws.eks.Addon(
            f"{name}-eks-pod-identity-agent",
            addon_name="eks-pod-identity-agent",
            addon_version=eks_addon_version("eks-pod-identity-agent", spec.cluster.kubernetes_version),
            **common,
            opts=addon_opts,
        )
        ebs_ns, ebs_sa = rc.EBS_CSI_SERVICE_ACCOUNT
        ebs_role, _ = pod_identity_role(
            f"{name}-ebs-csi",
            cluster_name=self.cluster_name,
            namespace=ebs_ns,
            service_account=ebs_sa,
            parent=self,
            managed_policies=["service-role/AmazonEBSCSIDriverPolicy"],
            tags=tags,
            associate=False,  # the add-on below owns the association
            region=spec.region,
        )
        ebs_csi = aws.eks.Addon(
            f"{name}-aws-ebs-csi-driver",
            addon_name="aws-ebs-csi-driver",
            addon_version=eks_addon_version("aws-ebs-csi-driver", spec.cluster.kubernetes_version),
            pod_identity_associations=[{"role_arn": ebs_role.arn, "service_account": ebs_sa}],
            **common,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[system_nodes, pod_identity_agent]),
        )
        return pod_identity_agent, ebs_csi

    def _workload_layer(self, system_nodes, pod_identity_agent, ebs_csi) -> PlatformRef:
        """Everything on the cluster: default StorageClass, operators, Karpenter and its pools, the GPU node add-ons;
        returns the handle models and the gateway build on."""
        spec, name = self.spec, self._name
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=[ebs_csi])
        storage_class = apply_object(f"{name}-gp3", rc.default_storage_class(), k8s_opts)

        # Operators (cert-manager, KServe, KubeRay, KEDA, kube-prometheus-stack): controllers on the system node
        # group only (nodeSelector node-role=system, no GPU tolerations); Prometheus claims from the gp3 class.
        self.operators = Operators(
            f"{name}-operators",
            spec,
            depends_on=[system_nodes, storage_class],
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )
        # GPU capacity: Karpenter (controller, node classes, GPU and CPU node pools) on the system node group, and
        # the GPU node add-ons. Karpenter's credentials come from EKS Pod Identity, so it waits for the agent.
        self.karpenter = Karpenter(
            f"{name}-karpenter",
            spec,
            cluster_name=self.cluster_name,
            provider=self.provider,
            system_node_group=system_nodes,
            depends_on=[pod_identity_agent],
            opts=self._child,
        )
        self.gpu_addons = GpuAddons(
            f"{name}-gpu",
            spec,
            provider=self.provider,
            depends_on=[system_nodes],
            # With kube-prometheus-stack installed, the DCGM exporter's ServiceMonitor is on and waits for its CRD;
            # without it, it stays off (the chart fails when the CRD is missing).
            monitoring=self.operators.releases.get("kube-prometheus-stack"),
            opts=self._child,
        )
        return PlatformRef(
            cluster_name=self.cluster_name,
            provider=self.provider,
            spec=spec,
            # Workloads (InferenceServices, RayServices, ScaledObjects) need the controllers' CRDs and webhooks.
            depends_on=[system_nodes, *self.operators.workload_dependencies()],
            operators=self.operators.handles(),
            gpu_node_pools=self.karpenter.gpu_node_pools,
            karpenter=self.karpenter.release,
        )
