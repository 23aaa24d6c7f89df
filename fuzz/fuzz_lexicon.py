"""atheris target ``lexicon``: see ``harness.check_lexicon`` for what is checked.

Run it through ``fuzz/run.py``, or directly with libFuzzer flags (new inputs go to the
first folder, the seeds are read from the second)::

    python fuzz/fuzz_lexicon.py WORK_DIR fuzz/corpus/lexicon \\
        -dict=fuzz/csgen.dict -max_total_time=60
"""

from _entry import run

if __name__ == "__main__":
    run("lexicon")
