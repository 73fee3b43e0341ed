"""``mutmut run`` on a random sample of the mutants: N per package (gpu_platform/<package>/), a fixed seed.

    python tools/mutate/sampled.py N SEED JOBS        # run by tools/mutate/run.py --sample, inside out/mutate/

The whole scope has ~12,000 mutants and a surviving mutant of a function the stack tests call costs ~20 s of tests,
so a full run takes most of a day on 2 cores. A stratified random sample estimates each package's score to within a
few points in well under an hour. mutmut 3.8 has no sampling option: this wraps its
``collect_source_file_mutation_data`` (which lists the generated mutants to run) and keeps the sample; everything
else is mutmut's own ``run``. The unsampled mutants stay "not checked", which the report leaves out of the score.
"""

from __future__ import annotations

import random
import sys
from collections import defaultdict

import mutmut.__main__ as mutmut_main


def package_of(mutant_name: str) -> str:
    """``gpu_platform.render.model.vllm.x_args__mutmut_3`` -> ``gpu_platform.render``."""
    return ".".join(mutant_name.split(".")[:2])


def sample(names: list[str], per_package: int, seed: int) -> set[str]:
    by_package: dict[str, list[str]] = defaultdict(list)
    for name in sorted(names):
        by_package[package_of(name)].append(name)
    rng = random.Random(seed)
    return {n for group in by_package.values() for n in rng.sample(group, min(per_package, len(group)))}


def main(per_package: int, seed: int, jobs: int) -> None:
    collect = mutmut_main.collect_source_file_mutation_data

    def sampled(*, mutant_names):
        mutants, by_path = collect(mutant_names=mutant_names)
        keep = sample([name for _, name, _ in mutants], per_package, seed)
        # The sample, for `--rerun-survivors`: a later change resets the verdicts of a changed function's mutants.
        with open("sample.txt", "w") as out:
            out.write("\n".join(sorted(keep)) + "\n")
        return [m for m in mutants if m[1] in keep], by_path

    mutmut_main.collect_source_file_mutation_data = sampled
    mutmut_main._run((), jobs)


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
