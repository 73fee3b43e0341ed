"""creator_conflict: which `cluster.admins` entry is the principal running the deployment (EKS already gives the
cluster's creator an access entry and refuses a second one). IAM ARNs: a role is `arn:aws:iam::<account>:role/<path>
<name>`, the session assumed from it `arn:aws:sts::<account>:assumed-role/<name>/<session>` (no path)."""

from __future__ import annotations

import pytest

from gpu_platform.render.cluster import creator_conflict
from gpu_platform.spec import PlatformSpec

ACCOUNT = "123456789012"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Deploy/ci-run-7"


def _spec(*arns: str) -> PlatformSpec:
    admins = [{"name": f"a{i}", "principal_arn": arn} for i, arn in enumerate(arns)]
    return PlatformSpec.model_validate({"environment": "dev", "region": "us-west-2",
                                        "cluster": {"name": "gpu-test", "admins": admins}})


@pytest.mark.parametrize(("admins", "caller", "expected"), [
    # the role a session was assumed from, listed second
    ([f"arn:aws:iam::{ACCOUNT}:role/platform-admins", f"arn:aws:iam::{ACCOUNT}:role/Deploy"], SESSION, 1),
    # the same role with a path: the session ARN drops the path, the role name and account still match
    ([f"arn:aws:iam::{ACCOUNT}:role/team/ci/Deploy"], SESSION, 0),
    # a user deploying as itself
    ([f"arn:aws:iam::{ACCOUNT}:user/alice"], f"arn:aws:iam::{ACCOUNT}:user/alice", 0),
    # another role of the same account
    ([f"arn:aws:iam::{ACCOUNT}:role/team/Deployer"], SESSION, None),
    # the same role name in another account
    (["arn:aws:iam::210987654321:role/team/Deploy"], SESSION, None),
    # a user named like the role is not the role
    ([f"arn:aws:iam::{ACCOUNT}:user/Deploy"], SESSION, None),
    # a path segment named like the role is not the role
    ([f"arn:aws:iam::{ACCOUNT}:role/Deploy/other"], SESSION, None),
    # no admins
    ([], SESSION, None),
])
def test_the_deploying_principal_is_found_among_the_admins(admins, caller, expected):
    assert creator_conflict(_spec(*admins), caller) == expected
