"""`summary()` of the functional models of tests/functional_cases.py as Keras 3 prints it, for
tests/test_functional.py: the default table, `expand_nested=True`, `show_trainable=True` and a
narrow `line_length`, captured through `print_fn` with no terminal (80 columns).

    env -u COLUMNS /tmp/oracle/bin/python compat/make_functional_summaries.py < /dev/null

Writes compat/data/functional_summaries.json: {model: {variant: text}}.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "tests"))

VARIANTS = {
    "default": {},
    "expand_nested": {"expand_nested": True},
    "show_trainable": {"show_trainable": True, "expand_nested": True},
    "line_length_60": {"line_length": 60},
}


def main():
    import keras

    import functional_cases as fc

    out = {}
    for name in fc.MODELS:
        out[name] = {}
        for variant, kwargs in VARIANTS.items():
            keras.backend.clear_session()
            model = fc.build(keras, name)
            if variant == "show_trainable":
                model.layers[-1].trainable = False
            lines = []
            model.summary(print_fn=lambda line, *a, **k: lines.append(line), **kwargs)
            out[name][variant] = "\n".join(lines)
    out["_keras"] = keras.__version__
    with open(os.path.join(HERE, "data", "functional_summaries.json"), "w") as f:
        json.dump(out, f, indent=1, sort_keys=True, ensure_ascii=False)


if __name__ == "__main__":
    main()
