"""`Karpenter`: the controller (IAM through EKS Pod Identity, interruption queue, Helm releases) and the
EC2NodeClasses and NodePools that give GPU and CPU pods right-sized nodes."""

from __future__ import annotations

import json
from typing import Any, Optional, Sequence, Union

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from ..render import karpenter as rk
from ..render.addons import KARPENTER, release_plans
from ..render.cluster import platform_tags
from ..render.iam import NODE_ROLE_POLICIES, service_trust_policy
from ..spec import PlatformSpec
from ._helm import install_releases
from ._iam import attach_managed_policies, pod_identity_role
from ._k8s import apply_object
from ._validate import resolved_platform


def _account_of(arn: str) -> str:
    # arn:<partition>:iam::<account>:role/<name>: the account id without an extra invoke.
    return arn.split(":")[4]


class Karpenter(pulumi.ComponentResource):
    """Karpenter 1.14 on the system node group, and the node classes and pools the spec's `gpu` section asks for.

    Ordering: `karpenter-crd` → `karpenter` (after its IAM, queue and the node role's access entry) →
    EC2NodeClasses → NodePools. The custom resources depend on the controller release, so `pulumi destroy`
    deletes them first, while Karpenter still runs and can terminate the instances it launched
    (karpenter-provider-aws#4223); only then is the controller removed.
    """

    release: k8s.helm.v3.Release
    """The controller's Helm release (depend on it to wait for Karpenter)."""
    node_role: aws.iam.Role
    """IAM role of the nodes Karpenter launches (mapped with an `EC2_LINUX` access entry)."""
    queue: aws.sqs.Queue
    """SQS queue receiving spot interruption, rebalance, health and state-change events."""
    node_classes: dict[str, pulumi.CustomResource]
    """EC2NodeClass name → resource."""
    node_pools: dict[str, pulumi.CustomResource]
    """NodePool name (`l4-spot`, `cpu-on-demand` …) → resource."""
    gpu_node_pools: dict[str, pulumi.CustomResource]
    """GPU class → the class's preferred NodePool (spot when it has a spot pool)."""

    def __init__(
        self,
        name: str,
        spec: Union[PlatformSpec, dict[str, Any]],
        *,
        cluster_name: pulumi.Input[str],
        provider: pulumi.ProviderResource,
        system_node_group: Optional[pulumi.Resource] = None,
        depends_on: Sequence[pulumi.Resource] = (),
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        spec = resolved_platform(spec).spec
        super().__init__("gpu-platform:index:Karpenter", name, None, opts)
        tags = platform_tags(spec)
        # The controller must land on the system group (its nodeSelector) and needs the pod identity agent.
        waits = [r for r in [system_node_group, *depends_on] if r is not None]

        node_policies, access_entry = self._register_node_role(name, spec, cluster_name, tags)
        queue_waits = self._register_interruption_queue(name, spec.cluster.name, tags)
        controller_role, identity_waits = self._register_controller_identity(name, spec, cluster_name, tags)

        # karpenter-crd, then the controller (after its IAM, queue, event rules and the node role's access entry).
        releases = install_releases(
            name,
            release_plans(spec, KARPENTER),
            parent=self,
            provider=provider,
            depends_on=waits,
            extra_depends_on={
                "karpenter": [*identity_waits, *queue_waits, access_entry],
            },
        )
        self.release = releases["karpenter"]

        # Custom resources after the controller (and the node role's access entry, or nodes could not join);
        # destroy therefore deletes them first while the controller still runs.
        self._register_node_classes(name, spec, provider, [self.release, access_entry, *node_policies])
        self._register_node_pools(name, spec, provider)

        self.register_outputs(
            {
                "nodeRoleArn": self.node_role.arn,
                "controllerRoleArn": controller_role.arn,
                "interruptionQueueUrl": self.queue.url,
                "nodePools": sorted(self.node_pools),
                "nodeClasses": sorted(self.node_classes),
            }
        )

    def _register_node_role(
        self, name: str, spec: PlatformSpec, cluster_name: pulumi.Input[str], tags: dict[str, str]
    ) -> tuple[list[pulumi.Resource], aws.eks.AccessEntry]:
        """Sets `node_role`; returns its managed-policy attachments and its access entry."""
        child = pulumi.ResourceOptions(parent=self)
        cluster = spec.cluster.name
        # Node role: the reference CloudFormation's name and managed policies; an EC2_LINUX access entry lets
        # its instances join the cluster (authentication mode API, no aws-auth ConfigMap).
        self.node_role = aws.iam.Role(
            f"{name}-node",
            name=rk.node_role_name(cluster),
            assume_role_policy=service_trust_policy("ec2.amazonaws.com"),
            description=f"Nodes launched by Karpenter in {cluster}",
            tags=tags,
            opts=child,
        )
        node_policies = attach_managed_policies(
            f"{name}-node", self.node_role, NODE_ROLE_POLICIES, self, region=spec.region
        )
        access_entry = aws.eks.AccessEntry(
            f"{name}-node",
            cluster_name=cluster_name,
            principal_arn=self.node_role.arn,
            type="EC2_LINUX",
            tags=tags,
            opts=child,
        )
        return node_policies, access_entry

    def _register_interruption_queue(self, name: str, cluster: str, tags: dict[str, str]) -> list[pulumi.Resource]:
        """Sets `queue`; returns its policy, then the EventBridge targets feeding it (the controller waits for all)."""
        child = pulumi.ResourceOptions(parent=self)
        # Interruption handling: EventBridge → SQS → controller, which cordons and drains ahead of a spot reclaim.
        self.queue = aws.sqs.Queue(
            f"{name}-interruption",
            name=rk.queue_name(cluster),
            message_retention_seconds=rk.QUEUE_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            tags=tags,
            opts=child,
        )
        queue_policy = aws.sqs.QueuePolicy(
            f"{name}-interruption",
            queue_url=self.queue.url,
            policy=self.queue.arn.apply(lambda arn: json.dumps(rk.interruption_queue_policy(arn), sort_keys=True)),
            opts=child,
        )
        targets: list[pulumi.Resource] = []
        for key, pattern in rk.interruption_event_patterns().items():
            rule = aws.cloudwatch.EventRule(
                f"{name}-{key}",
                name=f"{cluster}-karpenter-{key}",
                description=f"Karpenter interruption handling ({rk.INTERRUPTION_EVENTS[key][1]})",
                event_pattern=pattern,
                tags=tags,
                opts=child,
            )
            targets.append(
                aws.cloudwatch.EventTarget(
                    f"{name}-{key}",
                    rule=rule.name,
                    arn=self.queue.arn,
                    target_id="KarpenterInterruptionQueueTarget",
                    opts=child,
                )
            )
        return [queue_policy, *targets]

    def _register_controller_identity(
        self, name: str, spec: PlatformSpec, cluster_name: pulumi.Input[str], tags: dict[str, str]
    ) -> tuple[aws.iam.Role, list[pulumi.Resource]]:
        """The controller's role; and its Pod Identity association, then its policy attachments."""
        child = pulumi.ResourceOptions(parent=self)
        cluster = spec.cluster.name
        region = spec.region
        # Controller identity: EKS Pod Identity for kube-system/karpenter, policies equivalent to the reference.
        controller_role, association = pod_identity_role(
            f"{name}-controller",
            cluster_name=cluster_name,
            namespace=rk.NAMESPACE,
            service_account=rk.SERVICE_ACCOUNT,
            parent=self,
            tags=tags,
        )
        documents = pulumi.Output.all(self.node_role.arn, self.queue.arn).apply(
            lambda arns: {
                key: json.dumps(doc, sort_keys=True)
                for key, doc in rk.controller_policies(
                    cluster=cluster,
                    region=region,
                    account_id=_account_of(arns[0]),
                    node_role_arn=arns[0],
                    queue_arn=arns[1],
                ).items()
            }
        )
        controller_policies: list[pulumi.Resource] = []
        for key in rk.CONTROLLER_POLICIES:
            policy = aws.iam.Policy(
                f"{name}-{key}",
                name=f"{cluster}-karpenter-{key}",
                description=f"Karpenter controller of {cluster}: {key}",
                policy=documents.apply(lambda docs, k=key: docs[k]),
                tags=tags,
                opts=child,
            )
            controller_policies.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-{key}", role=controller_role.name, policy_arn=policy.arn, opts=child
                )
            )
        return controller_role, [association, *controller_policies]

    def _register_node_classes(
        self, name: str, spec: PlatformSpec, provider: pulumi.ProviderResource, waits: list[pulumi.Resource]
    ) -> None:
        """Sets `node_classes`: one EC2NodeClass per node-class plan, each after ``waits``."""
        self.node_classes = {}
        for plan in rk.node_class_plans(spec):
            self.node_classes[plan.name] = apply_object(
                f"{name}-nodeclass-{plan.name}",
                rk.ec2_node_class(spec, plan),
                pulumi.ResourceOptions(parent=self, provider=provider, depends_on=waits),
            )

    def _register_node_pools(self, name: str, spec: PlatformSpec, provider: pulumi.ProviderResource) -> None:
        """Sets `node_pools` (every NodePool, after the controller and its node class) and `gpu_node_pools`."""
        self.node_pools = {}
        self.gpu_node_pools = {}
        pools = [(p, rk.gpu_node_pools(spec, p), rk.pool_node_class_name(p)) for p in spec.gpu.node_pools]
        if spec.gpu.cpu_pool.enabled:
            pools.append((None, rk.cpu_node_pools(spec), rk.CPU_ROLE))
        for pool, objects, node_class in pools:
            for obj in objects:
                pool_name = obj["metadata"]["name"]
                resource = apply_object(
                    f"{name}-nodepool-{pool_name}",
                    obj,
                    pulumi.ResourceOptions(
                        parent=self, provider=provider, depends_on=[self.release, self.node_classes[node_class]]
                    ),
                )
                self.node_pools[pool_name] = resource
                if pool is not None:
                    # By pool name (what a model's sizing names) and, for models sized without pools, by class.
                    self.gpu_node_pools.setdefault(pool.name, resource)
                    self.gpu_node_pools.setdefault(pool.gpu_class.value, resource)
