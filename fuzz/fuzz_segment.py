"""atheris target ``segment``: see ``harness.check_segment`` for what is checked.

Run it through ``fuzz/run.py``, or directly with libFuzzer flags (new inputs go to the
first folder, the seeds are read from the second)::

    python fuzz/fuzz_segment.py WORK_DIR fuzz/corpus/segment \\
        -dict=fuzz/csgen.dict -max_total_time=60
"""

from _entry import run

if __name__ == "__main__":
    run("segment")
