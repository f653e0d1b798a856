"""The simulated machines: environment settings that change how PyTorch computes on this CPU.

One definition for `python -m aecourse spread`, `python -m aecourse simulate` and CI's AVX2 run.
"""

from __future__ import annotations

__all__ = ["AVX2", "ONE_THREAD", "VARIANTS"]

AVX2 = {  # PyTorch, MKL and oneDNN limited to AVX2 kernels, like a typical laptop
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}  # another summation order
VARIANTS: dict[str, dict[str, str]] = {
    "native": {},  # this machine as it is
    "avx2": AVX2,
    "one-thread": ONE_THREAD,
    "avx2-one-thread": {**AVX2, **ONE_THREAD},
}
