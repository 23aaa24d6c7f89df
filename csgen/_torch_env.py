"""Imported before torch by csgen's torch modules (``csgen.train``, ``csgen.stream``).

With sentencepiece loaded beside torch, torch's OpenMP threads spin-wait and a CPU
training step on 2 cores gets 10-100x slower (measured: ``benchmarks/bench_stream.py
--spin``); passive waiting avoids it. Only effective before torch is first imported;
a user's own ``OMP_WAIT_POLICY`` wins.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
