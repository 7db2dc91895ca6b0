"""Hostile and damaged files: no reader hangs, floods memory, reads outside the file or raises
anything but a ValueError/OSError naming the file (docs/safety.md).

Each hostile case below is a small file that, before these guards, hung libhdf5, allocated
gigabytes, or loaded another file's weights. The mutation run (tests/loader_fuzz.py) goes in a
child process with a time limit, so that a regression fails the test instead of hanging it.
"""

import io
import json
import os
import pathlib
import re
import subprocess
import sys
import tracemalloc
import zipfile

import h5py
import numpy as np
import pytest

import minikeras as mk
from minikeras.__main__ import main as cli
from minikeras.saving import file_info
from loader_fuzz import ARCHITECTURE, FILES, HEAP, SOURCES, descriptors_of, heap_objects

pytestmark = pytest.mark.filterwarnings("ignore")
# No hostile file may make a reader allocate more than this (the real files need under 1 MB).
MEMORY_LIMIT = 32 << 20


def free_space_of_size_zero(data):
    position = next(offset for offset, index, _ in heap_objects(data) if index == 0)
    return data[:position + 8] + bytes(8) + data[position + 16:]


def last_object_grown_into_free_space(data):
    # The one-byte change: a string's stored size grows past the free-space header,
    # so that libhdf5 reads the next object header from the zeros of the free space.
    offset, _, size = [obj for obj in heap_objects(data) if obj[1]][-1]
    return data[:offset + 8] + (size + 24).to_bytes(8, "little") + data[offset + 16:]


def free_space_of_size_zero_behind_a_changed_reserved_byte(data):
    # libhdf5 skips the 3 reserved bytes after the signature; a scan requiring them to be zero
    # missed this collection, and reading model_config hung.
    data = bytearray(free_space_of_size_zero(data))
    data[data.find(b"GCOL") + 5] = 1
    return bytes(data)


READERS = {
    "load_model": lambda path: mk.models.load_model(path),
    "load_weights": lambda path: mk.models.load_model(FILES / "k2_adam.h5").load_weights(path),
    "inspect": file_info.describe,
}


def run_in_child(code, timeout=60):
    """The JSON a Python snippet prints, run in a child process killed after `timeout` s."""
    # The child imports what this process imports: relative PYTHONPATH entries (`src`) made
    # absolute, since the child runs in tests/.
    path = os.pathsep.join(os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(
        os.pathsep) if p)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=timeout, cwd=pathlib.Path(__file__).parent,
                            env=dict(os.environ, PYTHONWARNINGS="ignore", PYTHONPATH=path))
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.splitlines()[-1])


def test_looping_global_heaps_are_refused_before_libhdf5_reads_them(tmp_path):
    data = (FILES / "k2_adam.h5").read_bytes()
    paths = []
    damages = (free_space_of_size_zero, last_object_grown_into_free_space,
               free_space_of_size_zero_behind_a_changed_reserved_byte)
    for damage in damages:
        path = tmp_path / f"{damage.__name__}.h5"
        path.write_bytes(damage(data))
        paths.append(str(path))
    # In a child: were the check missing, libhdf5 would spin forever holding h5py's lock.
    outcomes = run_in_child(f"""if True:
        import json, test_loader_safety as t
        outcomes = []
        for path in {paths!r}:
            for name, read in t.READERS.items():
                try:
                    read(path)
                    outcomes.append("loaded")
                except ValueError as error:
                    outcomes.append(str(error))
        print(json.dumps(outcomes))
    """)
    assert len(outcomes) == len(damages) * len(READERS)
    for message in outcomes:
        assert "global heap collection at byte" in message and str(tmp_path) in message


def longer_string(text, address=None, index=None):
    """Damage: the strings starting with `text` declare 805 MB, and point elsewhere."""
    def damage(data):
        data = bytearray(data)
        for at in descriptors_of(bytes(data), text):
            data[at + 3] = 0x30
            if address is not None:
                data[at + 4:at + 12] = address.to_bytes(8, "little")
            if index is not None:
                data[at + 12:at + 16] = index.to_bytes(4, "little")
        return bytes(data)
    return damage


def with_string_dataset(dtype, name="notes", **options):
    """A copy of k3_adam.weights.h5 with a string dataset among the first layer's weights."""
    def make(tmp_path):
        path = tmp_path / "strings.weights.h5"
        path.write_bytes((FILES / "k3_adam.weights.h5").read_bytes())
        with h5py.File(path, "a") as f:
            group = f["layers/dense/vars"]
            if name in group:
                del group[name]
            group.create_dataset(name, shape=(3,), dtype=dtype, **options)
        return path.read_bytes()
    return make


def with_fixed_length_names(tmp_path):
    """k2_adam_weights.h5 with its layer names stored as fixed-length strings (`|S7`)."""
    path = tmp_path / "fixed_weights.h5"
    path.write_bytes((FILES / "k2_adam_weights.h5").read_bytes())
    with h5py.File(path, "a") as f:
        names = np.asarray(list(f.attrs["layer_names"]), dtype="S7")
        del f.attrs["layer_names"]
        f.attrs["layer_names"] = names
    return path.read_bytes()


def inflated_fixed_string(after=None, dataset=None):
    """Damage: the first fixed-length string type (class 3, size 7) after the bytes `after`
    or in the header of `dataset` declares 805 MB per item."""
    def damage(data):
        if dataset:
            with h5py.File(io.BytesIO(data), "r") as f:
                at = h5py.h5o.get_info(f[dataset].id).addr
        else:
            at = data.find(after)
        data = bytearray(data)
        while not (data[at] == 0x13 and data[at + 4:at + 8] == (7).to_bytes(4, "little")):
            at += 1
        data[at + 4:at + 8] = (0x30000000).to_bytes(4, "little")
        return bytes(data)
    return damage


def names_sharing_one_long_string(tmp_path):
    """k2_adam_weights.h5 whose `layer_names` are 3,900 strings all naming one 250 KB heap
    object (each exactly its length): a 400 KB file that made reading them take 1.9 GB."""
    path = tmp_path / "shared_weights.h5"
    path.write_bytes((FILES / "k2_adam_weights.h5").read_bytes())
    with h5py.File(path, "a") as f:
        f.attrs["layer_names"] = [b"a"] * 3900
        f.attrs["long"] = "x" * 250_000
    data = bytearray(path.read_bytes())
    start = data.find(HEAP)
    while not any(size == 250_000 for _, _, size in heap_objects(data, start)):
        start = data.find(HEAP, start + 1)
    index = next(index for _, index, size in heap_objects(data, start) if size == 250_000)
    long = (250_000).to_bytes(4, "little") + start.to_bytes(8, "little") + index.to_bytes(4, "little")
    for at in descriptors_of(bytes(data), b"a"):
        data[at:at + 16] = long
    return bytes(data)


def longer_string_case(source, text, what, found="", **changes):
    """A DAMAGED_STRINGS entry: the string `text` of `what` in `source` made longer (and
    pointing elsewhere by `changes`), refused with a message ending in `found`."""
    return (source, longer_string(text, **changes),
            rf"' is damaged: a variable-length string of {re.escape(what)} \(at byte \d+\) "
            rf"declares 8053\d+ bytes, where {found}")


CONFIG = ("k2_adam.h5", b'{"class_name"', "the attribute 'model_config' of '/'")
# name -> (the file: a source in FILES or a maker, the damage, what the message says)
DAMAGED_STRINGS = {
    "a model_config longer than its heap object": longer_string_case(
        *CONFIG, "its heap object holds 1317"),
    "a model_config longer, pointing before any heap": longer_string_case(
        *CONFIG, "no heap collection is at byte 100", address=100),
    "a model_config longer, pointing past the end of the file": longer_string_case(
        *CONFIG, "no heap collection is at byte 1099511627776", address=2 ** 40),
    "a model_config longer, naming no heap object": longer_string_case(
        *CONFIG, "its heap collection has no object 999", index=999),
    "a weight name longer, pointing elsewhere": longer_string_case(
        "k2_adam_weights.h5", b"dense_4/kernel:0", "the attribute 'weight_names' of '/dense_4'",
        "no heap collection is at byte 4096", address=4096),
    "a Keras 3 layer name longer": longer_string_case(
        "k3_adam.weights.h5", b"adam_model", "the attribute 'name' of '/vars'",
        "its heap object holds 10"),
    "a Keras 3 layer name longer, pointing elsewhere": longer_string_case(
        "k3_adam.weights.h5", b"dense_4", "the attribute 'name' of '/layers/dense/vars'",
        "no heap collection", address=100),
    "a string dataset's fill value longer, pointing elsewhere": longer_string_case(
        with_string_dataset(h5py.string_dtype(), fillvalue=b"FILLVALUE"), b"FILLVALUE",
        "the fill value of the dataset '/layers/dense/vars/notes'", "no heap", address=100),
    "3,900 names sharing one 250 KB string": (
        names_sharing_one_long_string, lambda data: data,
        r"' is damaged: its variable-length strings declare \d+ bytes up to the attribute "
        "'layer_names' of '/', more than twice the file's"),
    "a fixed-length string attribute of 805 MB per name": (
        with_fixed_length_names, inflated_fixed_string(after=b"layer_names\0"),
        "' is damaged: Unable to synchronously open attribute"),
    "a fixed-length string weight of 805 MB per item": (
        with_string_dataset("S7", name="1"), inflated_fixed_string(dataset="layers/dense/vars/1"),
        r"the dataset '1' has dtype \|S805306368; expected a numeric array"),
}


@pytest.mark.parametrize("case", DAMAGED_STRINGS)
def test_damaged_strings_are_refused_before_libhdf5_allocates_them(tmp_path, case):
    """libhdf5 allocates a variable-length string's declared length before it looks for its
    heap object (byte 1915 of k3_adam.weights.h5, changed, made a load take 800 MB): every
    string descriptor a reader could reach is checked first, whatever else was changed with
    the length; a fixed-length string must fit in its message."""
    source, damage, message = DAMAGED_STRINGS[case]
    data = (FILES / source).read_bytes() if isinstance(source, str) else source(tmp_path)
    weights = b"model_config" not in data  # else a model file, loaded by load_model
    path = tmp_path / ("damaged.weights.h5" if weights else "damaged.h5")
    path.write_bytes(damage(data))
    architecture = "k2_adam.h5" if b"layer_names" in data else "k3_adam.keras"
    # In a child, with an address-space cap, so that a regression fails instead of flooding.
    outcomes = run_in_child(f"""if True:
        import json, resource, test_loader_safety as t
        from minikeras.saving import file_info
        import minikeras as mk
        model = mk.models.load_model(t.FILES / {architecture!r})
        path = {str(path)!r}
        reads = [lambda: mk.models.load_model(path), lambda: file_info.describe(path)]
        if {weights!r}:
            reads[0] = lambda: model.load_weights(path)
        with open("/proc/self/statm") as f:
            cap = int(f.read().split()[0]) * resource.getpagesize() + (512 << 20)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        outcomes = []
        for read in reads:
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                read()
                text = "loaded"
            except (ValueError, OSError) as error:
                text = str(error)
            grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
            outcomes.append([text, grown * 1024])
        print(json.dumps(outcomes))
    """)
    for text, grown in outcomes:
        assert grown < 100 << 20, (text, grown)
        assert str(path) in text and re.search(message, text), text


def rewritten_in_the_latest_format(source, path, extra_root_attributes=0):
    """`source` copied into a file of HDF5's latest format (version 2 object headers, and
    dense attribute storage beyond 8 attributes), with string attributes added to the root."""
    with h5py.File(FILES / source, "r") as old, h5py.File(path, "w", libver="latest") as new:
        def rewrite(name, node):  # made anew (h5py's copy would keep the old headers)
            made = (new.create_dataset(name, data=node[()]) if isinstance(node, h5py.Dataset)
                    else new.create_group(name))
            made.attrs.update(node.attrs)
        old.visititems(rewrite)
        new.attrs.update(old.attrs)
        for i in range(extra_root_attributes):
            new.attrs[f"note{i}"] = f"note {i}"
    return path


def test_the_strings_of_the_latest_hdf5_format_are_checked_where_they_are_stored(tmp_path):
    model = mk.models.load_model(FILES / "k3_adam.keras")
    expected = [w.numpy() for w in model.weights]
    path = rewritten_in_the_latest_format("k3_adam.weights.h5", tmp_path / "v2.weights.h5")
    assert h5py.File(path).id.get_create_plist().get_version()[0] >= 2  # superblock v2 or v3
    model.load_weights(path)  # version 2 headers: every string found and checked
    for weight, value in zip(model.weights, expected):
        np.testing.assert_array_equal(weight.numpy(), value)
    # Strings in dense attribute storage (a fractal heap) cannot be checked: refused.
    path = rewritten_in_the_latest_format("k3_adam.weights.h5", tmp_path / "dense.weights.h5",
                                          extra_root_attributes=12)
    with pytest.raises(ValueError, match=r"the attribute 'note\d+' of '/' is stored outside its "
                                         r"object header \(dense attribute storage"):
        model.load_weights(path)


@pytest.mark.parametrize("dtype, refused", [
    (np.dtype([("a", "i4"), ("b", h5py.string_dtype())]), True),
    (h5py.vlen_dtype("i4"), True),
    (h5py.ref_dtype, True),
    (h5py.string_dtype(), False),  # its fill value checked
    (np.dtype("S7"), False),
    (np.dtype(("f4", (3,))), False),
])
def test_datasets_whose_values_live_elsewhere_are_refused(tmp_path, dtype, refused):
    """A dataset whose values libhdf5 reads from elsewhere in the file (variable-length data,
    references) would have its fill value converted unchecked; Keras never writes one."""
    path = tmp_path / "extra.weights.h5"
    path.write_bytes((FILES / "k3_adam.weights.h5").read_bytes())
    with h5py.File(path, "a") as f:
        f.create_dataset("notes", shape=(2,), dtype=dtype)
    model = mk.models.load_model(FILES / "k3_adam.keras")
    if refused:
        with pytest.raises(ValueError, match=f"'{re.escape(str(path))}': the dataset '/notes' "
                                             "has a type holding variable-length data"):
            model.load_weights(path)
    else:
        model.load_weights(path)


def keras_archive(tmp_path, edit_config=None, source="k3_adam.keras", name="bad.keras"):
    with zipfile.ZipFile(FILES / source) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    if edit_config:
        config = json.loads(members["config.json"])
        edit_config(config)
        members["config.json"] = json.dumps(config).encode()
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        for member, content in members.items():
            archive.writestr(member, content)
    return path


def layers_of(config):
    return config["config"]["layers"]


def huge_string_initializer(tmp_path):
    value = {"class_name": "__numpy__", "config": {"value": ["a", "b", "c"],
                                                   "dtype": "<U100000000"}}
    return keras_archive(tmp_path, lambda c: layers_of(c)[1]["config"].update(
        kernel_initializer={"class_name": "Constant", "config": {"value": value}}))


def fill_value_datasets(tmp_path):
    """A legacy weights file whose layer lists 24 weights of 60 MB that store no bytes."""
    path = tmp_path / "w.h5"
    path.write_bytes((FILES / "k2_adam_weights.h5").read_bytes())
    with h5py.File(path, "a") as f:
        layer = f["dense_4"]
        names = [f"dense_4/w{i}:0" for i in range(24)]
        del layer["dense_4"]
        for name in names:
            layer.create_dataset(name, shape=(15_000_000,), dtype="float32")
        layer.attrs["weight_names"] = [name.encode() for name in names]
    return path


def build_config_kernel(tmp_path):
    """The second Dense told to build itself on 2**26 inputs (a 1.3 GB kernel)."""
    return keras_archive(tmp_path, lambda c: layers_of(c)[2].update(
        build_config={"input_shape": [None, 2 ** 26]}))


def nested_sequential_kernel(tmp_path):
    """A nested Sequential whose own InputLayer makes its Dense 2**24 x 16 (1 GB)."""
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(3),
                           mk.Sequential([mk.layers.Dense(16)])])
    model.save(tmp_path / "nested.keras")
    inner_input = {"class_name": "InputLayer", "config": {"batch_shape": [None, 2 ** 24]}}
    return keras_archive(tmp_path, lambda c: layers_of(c)[2]["config"]["layers"].insert(
        0, inner_input), source=tmp_path / "nested.keras")


HOSTILE = {
    "a string dtype of 400 MB per item in a config": (huge_string_initializer,
                                                      "may hold numbers only"),
    "24 weights that store nothing but a fill value": (fill_value_datasets,
                                                       "refusing to allocate"),
    "a build_config planning a 1.3 GB kernel": (build_config_kernel,
                                                "declares the input shape"),
    "a nested Sequential building 1 GB on its own": (nested_sequential_kernel,
                                                     "declares the input shape"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_small_files_cannot_make_a_loader_allocate_much(tmp_path, case):
    make, message = HOSTILE[case]
    path = make(tmp_path)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=message) as error:
            if path.name == "w.h5":
                mk.models.load_model(FILES / "k2_adam.h5").load_weights(path)
            else:
                mk.models.load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert str(path) in str(error.value)
    assert peak < MEMORY_LIMIT


def test_inspect_reads_only_the_arrays_the_layout_refers_to(tmp_path):
    path = tmp_path / "w.weights.h5"
    path.write_bytes((FILES / "k3_adam.weights.h5").read_bytes())
    with h5py.File(path, "a") as f:
        for i in range(30):  # 1.8 GB declared, nothing stored, nothing refers to them
            f.create_dataset(f"junk/{i}", shape=(15_000_000,), dtype="float32")
    tracemalloc.start()
    try:
        report = file_info.describe(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "30 other datasets, which the layout does not refer to, were not read" in report
    assert "layers/dense/vars/0" in report and "junk" not in report.replace(str(path), "")
    assert peak < MEMORY_LIMIT


@pytest.mark.parametrize("iterations, shown", [
    (np.float32(np.inf), "iterations=inf (not a count)"),
    (np.arange(3), "iterations=an array of shape (3,) (not a count)"),
    (np.float64(7.0), "iterations=7"),
])
def test_inspect_describes_an_odd_iteration_count_instead_of_failing(tmp_path, capsys,
                                                                     iterations, shown):
    path = tmp_path / "w.weights.h5"
    path.write_bytes((FILES / "k3_adam.weights.h5").read_bytes())
    with h5py.File(path, "a") as f:
        del f["optimizer/vars/0"]
        f["optimizer/vars/0"] = iterations
    assert cli(["inspect", str(path)]) == 0
    assert shown in capsys.readouterr().out


def test_unzipped_archives_refuse_links_out_of_their_folder(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    with zipfile.ZipFile(FILES / "k3_adam.keras") as archive:
        archive.extractall(folder)
    mk.models.load_model(folder)
    # A link inside the folder is fine.
    (folder / "model.weights.h5").rename(folder / "stored.h5")
    (folder / "model.weights.h5").symlink_to("stored.h5")
    assert mk.models.load_model(folder).built
    # A link to another model's weights is not.
    other = tmp_path / "other.weights.h5"
    other.write_bytes((FILES / "k3_sgd.weights.h5").read_bytes()
                      if (FILES / "k3_sgd.weights.h5").exists()
                      else (FILES / "k3_adam.weights.h5").read_bytes())
    (folder / "model.weights.h5").unlink()
    (folder / "model.weights.h5").symlink_to(other)
    for read in (mk.models.load_model, file_info.describe):
        with pytest.raises(ValueError, match="outside the model's folder"):
            read(folder)


@pytest.fixture
def user_dense():
    @mk.saving.register_keras_serializable(package="MyPkg")
    class Dense(mk.layers.Dense):
        pass

    yield Dense
    del mk.saving.get_custom_objects()["MyPkg>Dense"]


@pytest.mark.parametrize("name", ["k3_adam.keras", "k2_adam.h5"])
def test_a_registered_class_never_shadows_the_builtin_of_the_same_name(tmp_path, user_dense,
                                                                       name):
    model = mk.models.load_model(FILES / name)
    assert {type(layer) for layer in model.layers} == {mk.layers.Dense}
    # The user's own class is found by its full name.
    mine = mk.Sequential([mk.Input((4,)), user_dense(2)])
    mine.save(tmp_path / "mine.keras")
    assert type(mk.models.load_model(tmp_path / "mine.keras").layers[0]) is user_dense


def model_json(**dense_config):
    model = mk.Sequential([mk.Input((4,)), mk.layers.Dense(3)])
    config = json.loads(model.to_json())
    layers_of(config)[1]["config"].update(dense_config)
    return json.dumps(config)


@pytest.mark.parametrize("text, message", [
    (model_json(units=10 ** 12), "more than this machine's memory"),
    ("[" * 200 + "]" * 200, "nested more than 64 levels"),
    ("[" * 100000 + "]" * 100000, "nested too deeply"),
    (model_json(activation={"class_name": "Lambda", "config": {}}), "Lambda"),
    (model_json(kernel_initializer={"class_name": "__numpy__", "config": {
        "value": ["a"], "dtype": "<U100000000"}}), "numbers only"),
    (b"\xff{}", "not valid UTF-8"),
])
def test_model_from_json_has_the_guards_of_load_model(text, message):
    with pytest.raises(ValueError, match=message):
        mk.models.model_from_json(text)


# The mutants per format in the suite; FUZZ_MUTANTS=2000 for a longer local run (or
# bench/fuzz_loaders.py, which also counts hangs, crashes and memory per file).
MUTANTS = int(os.environ.get("FUZZ_MUTANTS", 150))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["metadata", "strings"])
@pytest.mark.parametrize("format", SOURCES)
def test_mutated_files_load_or_are_refused_naming_the_file(tmp_path, format, kind):
    counts = run_in_child(f"""if True:
        import collections, json, pathlib, loader_fuzz
        model = loader_fuzz.architecture({format!r})
        path = pathlib.Path({str(tmp_path)!r}) / "mutant.{format}"
        counts, examples = collections.Counter(), {{}}
        for what, data in loader_fuzz.mutants({format!r}, {MUTANTS}, seed=1, kind={kind!r}):
            path.write_bytes(data)
            result = loader_fuzz.outcome(path, {format!r}, model)
            counts[result] += 1
            examples.setdefault(result, what)
        print(json.dumps([counts, examples]))
    """, timeout=max(120, MUTANTS))
    counts, examples = counts
    assert set(counts) <= {"loaded", "refused"}, examples
    assert counts.get("refused", 0) > MUTANTS // 10  # the mutations do damage
    # A changed string descriptor is nearly always refused; other damage is often harmless.
    assert format in ARCHITECTURE or kind == "strings" or counts.get("loaded", 0) > 0
