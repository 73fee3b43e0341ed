"""Boot-time GPU configuration of a pool's nodes, delivered as EC2NodeClass user data.

Only what the device plugin cannot do from a ConfigMap: MIG partitioning on al2023 (the GPUs must be partitioned
before the NVIDIA services and the kubelet start) and time-slicing on Bottlerocket (its built-in device plugin is
configured through settings).
"""

from __future__ import annotations

import textwrap
from typing import Optional

from ...spec.gpu import AmiFamily, GpuNodePoolSpec

MIG_UNIT = "gpu-platform-mig.service"


def mig_boot_script(pool: GpuNodePoolSpec) -> str:
    """User data that installs a systemd unit applying and verifying the pool's MIG layout on every boot.

    Changing MIG mode resets the GPUs, which nvidia-persistenced and nvidia-fabricmanager block while they run, so
    the unit runs before them (and stops them if they are already up), then starts them again. The kubelet
    *requires* the unit (a drop-in): if the layout cannot be created or does not verify (every GPU carrying its
    instances, counted in `nvidia-smi -L`), the kubelet never starts, the node never joins and Karpenter replaces
    it after its registration timeout, instead of a node serving whole GPUs where slices were promised.
    Written from the NVIDIA MIG user guide and systemd's ordering semantics; not run here (no GPU).
    """
    assert pool.mig is not None
    instances = ",".join(p for p, n in pool.mig.profiles.items() for _ in range(n))
    per_gpu = sum(pool.mig.profiles.values())
    return textwrap.dedent(
        f"""\
        #!/bin/bash
        # MIG layout of pool {pool.name}: {dict(pool.mig.profiles)} on every GPU.
        set -euo pipefail
        cat > /usr/local/bin/gpu-platform-mig <<'SCRIPT'
        #!/bin/bash
        set -euo pipefail
        systemctl stop nvidia-persistenced.service nvidia-fabricmanager.service 2>/dev/null || true
        gpus=$(nvidia-smi --query-gpu=index --format=csv,noheader)
        for gpu in $gpus; do
          nvidia-smi -i "$gpu" -mig 1
          nvidia-smi mig -i "$gpu" -dci || true
          nvidia-smi mig -i "$gpu" -dgi || true
          nvidia-smi mig -i "$gpu" -cgi {instances} -C
        done
        want=$(( $(echo "$gpus" | wc -w) * {per_gpu} ))
        got=$(nvidia-smi -L | grep -c '^  MIG ' || true)
        if [ "$got" -ne "$want" ]; then echo "MIG layout: $got instances, expected $want" >&2; exit 1; fi
        systemctl start nvidia-fabricmanager.service 2>/dev/null || true
        systemctl start nvidia-persistenced.service 2>/dev/null || true
        SCRIPT
        chmod 0755 /usr/local/bin/gpu-platform-mig
        cat > /etc/systemd/system/{MIG_UNIT} <<'UNIT'
        [Unit]
        Description=gpu-platform MIG layout of pool {pool.name} (before the NVIDIA services and the kubelet)
        After=systemd-modules-load.service
        Before=nvidia-persistenced.service nvidia-fabricmanager.service kubelet.service
        [Service]
        Type=oneshot
        RemainAfterExit=yes
        ExecStart=/usr/local/bin/gpu-platform-mig
        [Install]
        WantedBy=multi-user.target
        UNIT
        mkdir -p /etc/systemd/system/kubelet.service.d
        cat > /etc/systemd/system/kubelet.service.d/00-gpu-platform-mig.conf <<'DROPIN'
        [Unit]
        Requires={MIG_UNIT}
        After={MIG_UNIT}
        DROPIN
        systemctl daemon-reload
        systemctl enable --now {MIG_UNIT}
        """
    )


def pool_user_data(pool: GpuNodePoolSpec) -> Optional[str]:
    """Boot-time GPU configuration a pool's nodes need, or None.

    al2023 + MIG: a systemd unit, required by the kubelet, that applies and verifies the MIG layout on every boot
    before the NVIDIA services start (see mig_boot_script), so the device plugin finds the slices on its first scan
    and a node whose layout failed never joins.
    bottlerocket + time-slicing: its built-in device plugin is configured through settings, not a ConfigMap.
    """
    if pool.ami_family is AmiFamily.AL2023 and pool.mig is not None:
        return "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"//\"\n\n" \
            "--//\nContent-Type: text/x-shellscript; charset=\"us-ascii\"\n\n" + mig_boot_script(pool) + "\n--//--\n"
    if pool.ami_family is AmiFamily.BOTTLEROCKET and pool.time_slicing is not None:
        ts = pool.time_slicing
        return textwrap.dedent(
            f"""\
            [settings.kubelet-device-plugins.nvidia]
            device-sharing-strategy = "time-slicing"

            [settings.kubelet-device-plugins.nvidia.time-slicing]
            replicas = {ts.replicas}
            rename-by-default = false
            fail-requests-greater-than-one = {str(ts.fail_requests_greater_than_one).lower()}
            """
        )
    return None
