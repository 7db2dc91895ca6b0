"""Record `keras.ops.image.resize` under Keras 3 on TensorFlow for the cases of
tests/ops_image_cases.py.

Run under the oracle:  /tmp/oracle/bin/python compat/make_ops_image.py
Writes compat/data/ops_image.npz; tests/test_ops_image.py replays the cases.
"""

from case_files import record

from ops_image_cases import CASES, run_case  # from tests/, which case_files puts on the path

if __name__ == "__main__":
    record("ops_image.npz", CASES, run_case)
