"""Record what Keras 3 gives for layers that move values, called on integer inputs (their dtype
kept; interpolations rounded and saturated): the cases of tests/integer_layer_cases.py.

Run under the oracle:  /tmp/oracle/bin/python compat/make_integer_layers.py
Writes compat/data/integer_layers.npz; tests/test_layer_outputs.py replays the cases.
"""

from case_files import record

from integer_layer_cases import CASES, run_case  # from tests/, which case_files puts on the path

if __name__ == "__main__":
    record("integer_layers.npz", CASES, run_case)
