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
from pulumi_aws.ec2.eip import Eip
from pulumi_aws.ec2.internet_gateway import InternetGateway
from pulumi_aws.ec2.launch_template import LaunchTemplate
from pulumi_aws.ec2.nat_gateway import NatGateway
from pulumi_aws.ec2.route_table import RouteTable
from pulumi_aws.ec2.route_table_association import RouteTableAssociation
from pulumi_aws.ec2.security_group_rule import SecurityGroupRule
from pulumi_aws.ec2.subnet import Subnet
from pulumi_aws.ec2.vpc import Vpc

from ..catalog.versions import eks_addon_version
from ..render import cluster as rc
from ..render import network as rn
from ..render.iam import NODE_ROLE_POLICIES, service_trust_policy
from ..render.labels import DISCOVERY_TAG
from ..spec import PlatformSpec
from ._iam import attach_managed_policies, pod_identity_role
from ._k8s import apply_object
from ._outputs import register_declared_outputs
from ._validate import validated
from .operators import Operators
from .gpu import GpuAddons
from .karpenter import Karpenter
from .ref import PlatformRef


class Network(pulumi.ComponentResource):
    """A VPC with one public and one private subnet per zone, an internet gateway and NAT gateway(s)."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, spec: PlatformSpec, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("gpu-platform:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = rc.platform_tags(spec)
        zones = spec.network.availability_zones or self._zones(spec, child)
        layout = rn.subnet_layout(spec.network.vpc_cidr, zones)

        vpc = Vpc(
            f"{name}-vpc",
            cidr_block=spec.network.vpc_cidr,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            tags={**tags, "Name": f"{spec.cluster.name}-vpc"},
            opts=child,
        )
        igw = InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={**tags, "Name": f"{spec.cluster.name}-igw"}, opts=child
        )
        public_rt = RouteTable(
            f"{name}-public-rt",
            vpc_id=vpc.id,
            routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}],
            tags={**tags, "Name": f"{spec.cluster.name}-public"},
            opts=child,
        )
        public, private = [], []
        for z in layout:
            pub = Subnet(
                f"{name}-public-{z.zone}",
                vpc_id=vpc.id,
                cidr_block=z.public_cidr,
                availability_zone=z.zone,
                map_public_ip_on_launch=False,
                tags={**tags, **rn.public_subnet_tags(spec, z.zone)},
                opts=child,
            )
            RouteTableAssociation(
                f"{name}-public-{z.zone}", subnet_id=pub.id, route_table_id=public_rt.id, opts=child
            )
            public.append(pub)
        nats = []
        for zone in rn.nat_zones(spec.network.nat, zones):
            eip = Eip(f"{name}-nat-{zone}", domain="vpc", tags={**tags, "Name": f"{spec.cluster.name}-nat-{zone}"}, opts=child)
            nats.append(
                NatGateway(
                    f"{name}-nat-{zone}",
                    allocation_id=eip.id,
                    subnet_id=public[zones.index(zone)].id,
                    tags={**tags, "Name": f"{spec.cluster.name}-nat-{zone}"},
                    opts=pulumi.ResourceOptions(parent=self, depends_on=[igw]),
                )
            )
        for z in layout:
            private.append(Subnet(
                f"{name}-private-{z.zone}",
                vpc_id=vpc.id,
                cidr_block=z.private_cidr,
                availability_zone=z.zone,
                tags={**tags, **rn.private_subnet_tags(spec, z.zone)},
                opts=child,
            ))
        # The API endpoint's access path: the VPN / CI networks answer through the transit gateway, so the VPC is
        # attached to it and their ranges are routed there (a private endpoint needs the return route).
        endpoint = spec.cluster.endpoint
        tgw_routes: list[dict] = []
        rt_opts = child
        if endpoint.transit_gateway_id is not None:
            attachment = aws.ec2transitgateway.VpcAttachment(
                f"{name}-tgw",
                transit_gateway_id=endpoint.transit_gateway_id,
                vpc_id=vpc.id,
                subnet_ids=[s.id for s in private],
                tags={**tags, "Name": f"{spec.cluster.name}-tgw"},
                opts=child,
            )
            tgw_routes = [{"cidr_block": c, "transit_gateway_id": endpoint.transit_gateway_id}
                          for c in rn.routed_access_cidrs(spec)]
            rt_opts = pulumi.ResourceOptions(parent=self, depends_on=[attachment])
        for z, sub in zip(layout, private):
            nat = nats[rn.nat_for_zone(spec.network.nat, zones, z.zone)]
            rt = RouteTable(
                f"{name}-private-{z.zone}",
                vpc_id=vpc.id,
                routes=[{"cidr_block": "0.0.0.0/0", "nat_gateway_id": nat.id}, *tgw_routes],
                tags={**tags, "Name": f"{spec.cluster.name}-private-{z.zone}"},
                opts=rt_opts,
            )
            RouteTableAssociation(f"{name}-private-{z.zone}", subnet_id=sub.id, route_table_id=rt.id, opts=child)

        self.zones = zones
        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private])
        self.register_outputs(
            {"vpcId": self.vpc_id, "publicSubnetIds": self.public_subnet_ids, "privateSubnetIds": self.private_subnet_ids}
        )

    @staticmethod
    def _zones(spec: PlatformSpec, opts: pulumi.ResourceOptions) -> list[str]:
        # A synchronous invoke: the number of subnets must be known while the program runs (not inside apply).
        found = aws.get_availability_zones(state="available", opts=pulumi.InvokeOptions(parent=opts.parent))
        if len(found.names) < spec.network.az_count:
            raise pulumi.InputPropertiesError(
                f"network.az_count: {spec.region} has only {len(found.names)} available zones",
            )
        return list(found.names[: spec.network.az_count])


def _refuse_workloads(spec: PlatformSpec) -> None:
    """GpuPlatform builds the platform, not what runs on it: models and the gateway are their own components, so
    a spec that carries them would otherwise be half-deployed without a word."""
    fields = [f for f, used in (("models", bool(spec.models)),
                                ("fallback", bool(spec.fallback.external_models or spec.fallback.chains
                                              or spec.fallback.model_stacks))) if used]
    if fields:
        raise pulumi.InputPropertiesError(
            f"{fields[0]}: GpuPlatform does not deploy models or the LLM gateway; create them on platform.ref with "
            "deploy_models(platform.ref, spec.models) (or one ModelDeployment per model) and FallbackProxy, as "
            "gpu_platform.program does, and pass GpuPlatform spec.platform_only()",
            [pulumi.InputPropertyErrorDetails(property_path=f, reason="not deployed by GpuPlatform") for f in fields],
        )


def _refuse_creator_in_admins(spec: PlatformSpec) -> None:
    """The deploying principal gets EKS's creator access entry; listing it in admins too makes EKS refuse the second
    entry mid-`up`. Checked before anything registers (a synchronous invoke, as zone discovery is)."""
    if not spec.cluster.admins:
        return
    caller = aws.get_caller_identity()
    i = rc.creator_conflict(spec, caller.arn)
    if i is not None:
        path = f"cluster.admins[{i}].principal_arn"
        raise pulumi.InputPropertiesError(
            f"{path}: {spec.cluster.admins[i].principal_arn} is the principal running this deployment ({caller.arn}); "
            "EKS already gives it cluster admin as the cluster's creator and refuses a second access entry: remove it "
            "from admins, or deploy with another principal",
            [pulumi.InputPropertyErrorDetails(property_path=path, reason="duplicates the creator access entry")],
        )


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
        spec: Union[PlatformSpec, dict[str, Any]],
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        spec = validated(PlatformSpec, spec)
        _refuse_workloads(spec)
        _refuse_creator_in_admins(spec)
        super().__init__("gpu-platform:index:GpuPlatform", name, None, opts)
        self.spec = spec
        child = pulumi.ResourceOptions(parent=self)
        tags = rc.platform_tags(spec)

        network = Network(f"{name}-network", spec, opts=child)

        kms_key_arn: Optional[pulumi.Input[str]] = spec.cluster.secrets_encryption.kms_key_arn
        if spec.cluster.secrets_encryption.enabled and kms_key_arn is None:
            key = aws.kms.Key(
                f"{name}-secrets-key",
                description=f"EKS secrets envelope encryption for {spec.cluster.name}",
                enable_key_rotation=True,
                deletion_window_in_days=30,
                tags=tags,
                opts=child,
            )
            aws.kms.Alias(f"{name}-secrets-key", name=f"alias/{spec.cluster.name}-eks-secrets", target_key_id=key.key_id, opts=child)
            kms_key_arn = key.arn

        endpoint = spec.cluster.endpoint
        cluster = eks.Cluster(
            f"{name}-eks",
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
            encryption_config_key_arn=kms_key_arn,
            enabled_cluster_log_types=[t.value for t in spec.cluster.log_types],
            node_security_group_tags={DISCOVERY_TAG: spec.cluster.name},
            tags=tags,
            opts=child,
        )
        # The cluster name is known statically, but deriving it from a cluster output makes everything that uses
        # it (node groups, add-ons, pod identity, Karpenter) wait for the control plane.
        self.cluster_name = cluster.kubeconfig_json.apply(lambda _: spec.cluster.name)

        if endpoint.private_access_cidrs:
            for i, cidr in enumerate(endpoint.private_access_cidrs):
                SecurityGroupRule(
                    f"{name}-api-access-{i}",
                    type="ingress",
                    description=f"Kubernetes API from {cidr} (private endpoint access path)",
                    security_group_id=cluster.cluster_security_group_id,
                    protocol="tcp",
                    from_port=443,
                    to_port=443,
                    cidr_blocks=[cidr],
                    opts=child,
                )

        # System node group: where Karpenter, CoreDNS and the operators run. Karpenter cannot run on nodes it manages.
        node_role = aws.iam.Role(
            f"{name}-system-node",
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            description=f"System node group of {spec.cluster.name}",
            tags=tags,
            opts=child,
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
            opts=child,
        )
        ng = rc.system_node_group_args(spec)
        system_nodes = aws.eks.NodeGroup(
            f"{name}-system",
            cluster_name=self.cluster_name,
            # A prefix, not a fixed name: a change that replaces the group (instance types) then creates the new
            # group before deleting the old one, so Karpenter and the webhooks always have somewhere to run.
            node_group_name_prefix=f"{spec.cluster.name}-system-",
            node_role_arn=node_role.arn,
            subnet_ids=network.private_subnet_ids,
            launch_template={"id": launch_template.id, "version": launch_template.latest_version.apply(str)},
            tags=tags,
            **ng,
            # desired_size is a starting point; do not fight whoever scales the group later.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=attachments, ignore_changes=["scalingConfig.desiredSize"]
            ),
        )

        # Add-ons beyond the ones pulumi-eks manages (vpc-cni, coredns, kube-proxy).
        addon_opts = pulumi.ResourceOptions(parent=self, depends_on=[system_nodes])
        # CoreDNS as a managed, pinned add-on on the system nodes: pulumi-eks manages it only with a default node
        # group, so it stayed EKS's self-managed bootstrap copy, unpinned and free to land on GPU nodes.
        aws.eks.Addon(
            f"{name}-coredns",
            cluster_name=self.cluster_name,
            addon_name="coredns",
            addon_version=eks_addon_version("coredns", spec.cluster.kubernetes_version),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            configuration_values=json.dumps(rc.coredns_configuration(spec)),
            tags=tags,
            opts=addon_opts,
        )
        pod_identity_agent = aws.eks.Addon(
            f"{name}-eks-pod-identity-agent",
            cluster_name=self.cluster_name,
            addon_name="eks-pod-identity-agent",
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            tags=tags,
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
            cluster_name=self.cluster_name,
            addon_name="aws-ebs-csi-driver",
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="PRESERVE",
            pod_identity_associations=[{"role_arn": ebs_role.arn, "service_account": ebs_sa}],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[system_nodes, pod_identity_agent]),
        )

        # Kubernetes provider: a fixed cluster_identifier keeps a changed kubeconfig (rotated CA, new endpoint) from
        # replacing every Kubernetes resource (pulumi-eks#764, pulumi-kubernetes#2745).
        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=pulumi.Output.secret(cluster.kubeconfig_json),
            cluster_identifier=spec.cluster.name,
            opts=child,
        )
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=self.provider, depends_on=[ebs_csi])
        storage_class = apply_object(f"{name}-gp3", rc.default_storage_class(), k8s_opts)

        # Operators (cert-manager, KServe, KubeRay, KEDA, kube-prometheus-stack): controllers on the system node
        # group only (nodeSelector node-role=system, no GPU tolerations); Prometheus claims from the gp3 class.
        operators = Operators(
            f"{name}-operators",
            spec,
            depends_on=[system_nodes, storage_class],
            opts=pulumi.ResourceOptions(parent=self, provider=self.provider),
        )

        # GPU capacity: Karpenter (controller, node classes, GPU and CPU node pools) on the system node group, and
        # the GPU node add-ons. Karpenter's credentials come from EKS Pod Identity, so it waits for the agent.
        karpenter = Karpenter(
            f"{name}-karpenter",
            spec,
            cluster_name=self.cluster_name,
            provider=self.provider,
            system_node_group=system_nodes,
            depends_on=[pod_identity_agent],
            opts=child,
        )
        gpu_addons = GpuAddons(
            f"{name}-gpu",
            spec,
            provider=self.provider,
            depends_on=[system_nodes],
            # With kube-prometheus-stack installed, the DCGM exporter's ServiceMonitor is on and waits for its CRD;
            # without it, it stays off (the chart fails when the CRD is missing).
            monitoring=operators.releases.get("kube-prometheus-stack"),
            opts=child,
        )

        self.endpoint = cluster.kubeconfig_json.apply(lambda kc: json.loads(kc)["clusters"][0]["cluster"]["server"])
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.oidc_issuer = cluster.oidc_issuer
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.vpc_id = network.vpc_id
        self.public_subnet_ids = network.public_subnet_ids
        self.private_subnet_ids = network.private_subnet_ids
        self.node_security_group_id = cluster.node_security_group_id
        self.system_node_group = system_nodes
        self.ref = PlatformRef(
            cluster_name=self.cluster_name,
            provider=self.provider,
            spec=spec,
            depends_on=[system_nodes],
        )
        self.operators = operators
        self.ref.extras.update(operators.extras())
        # Workloads (InferenceServices, RayServices, ScaledObjects) need the controllers' CRDs and webhooks.
        self.ref.depends_on.extend(operators.workload_dependencies())
        self.karpenter = karpenter
        self.gpu_addons = gpu_addons
        self.ref.extras["karpenter"] = karpenter.release
        self.ref.extras["gpu_node_pools"] = karpenter.gpu_node_pools
        register_declared_outputs(self)

