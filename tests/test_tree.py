"""keras.tree: each function against what Keras 3.15 (optree) returns for the same call."""

import collections

import pytest

from minikeras import tree

Point = collections.namedtuple("Point", ["x", "y"])
OtherPoint = collections.namedtuple("Point", ["x", "y"])


def test_flatten_walks_dicts_sorted_and_ordered_dicts_in_order():
    assert tree.flatten({"b": [1, (2, None)], "a": 3}) == [3, 1, 2, None]
    assert tree.flatten(collections.OrderedDict([("b", 1), ("a", 2)])) == [1, 2]
    packed = tree.pack_sequence_as(collections.OrderedDict([("b", 0), ("a", 0)]), [5, 6])
    assert isinstance(packed, collections.OrderedDict) and list(packed.items()) == [("b", 5), ("a", 6)]


def test_flatten_with_path():
    assert tree.flatten_with_path({"b": [1, (2, None)], "a": 3}) == [
        (("a",), 3), (("b", 0), 1), (("b", 1, 0), 2), (("b", 1, 1), None)]
    assert tree.flatten_with_path(5) == [((), 5)]
    assert tree.flatten_with_path(Point(1, 2)) == [((0,), 1), ((1,), 2)]


def test_map_structure_none_is_leaf():
    assert tree.map_structure(lambda x: 1, [None, 2], none_is_leaf=False) == [None, 1]
    assert tree.map_structure(lambda x: 1, [None, 2]) == [1, 1]
    assert tree.map_structure(lambda x: 1, None, none_is_leaf=False) is None
    assert tree.map_structure(lambda v: v * 2, Point(1, 2)) == Point(2, 4)


def test_map_structure_up_to():
    structure = [[1, 1], [2, 2]]
    assert tree.map_structure_up_to([0, [0, 0]], str, structure) == ["[1, 1]", ["2", "2"]]
    # Keras documents None leaves in the shallow structure (its 3.15 raises on them).
    assert tree.map_structure_up_to([None, None], len, structure) == [2, 2]
    assert tree.map_structure_up_to((0, 0), lambda a, b: a + b, (1, 2), (3, 4)) == (4, 6)
    with pytest.raises(ValueError, match="Expected an instance of list, got 2."):
        tree.map_structure_up_to([0, [0, 0]], str, [[1, 1], 2])


@pytest.mark.parametrize("a, b, message", [
    ([1, 2], (1, 2), r"Expected an instance of list, got \(1, 2\)."),
    ([1, [2]], [1, 2], "Expected an instance of list, got 2."),
    ([1, 2], [1, 2, 3], r"list arity mismatch; expected: 2, got: 3; list: \[1, 2, 3\]."),
    ({"a": 1}, {"b": 1}, r"dictionary key mismatch; expected key\(s\): \['a'\], got key\(s\): "
                         r"\['b'\], missing key\(s\): \['a'\], extra key\(s\): \['b'\]"),
    (Point(0, 1), OtherPoint(2, 3), "Expected an instance of Point"),
    ([1, 2], [1, [2]], "Structures don't have the same nested structure."),
])
def test_assert_same_structure_refuses(a, b, message):
    with pytest.raises(ValueError, match=message):
        tree.assert_same_structure(a, b)


def test_assert_same_structure_accepts_and_warns_on_check_types():
    tree.assert_same_structure([1, None], [None, 3])
    tree.assert_same_structure({"a": [1], "b": 2}, {"b": 0, "a": [5]})
    with pytest.warns(DeprecationWarning, match="no longer has any effect"):
        tree.assert_same_structure([1], [2], check_types=True)


def test_assert_same_paths():
    tree.assert_same_paths([1, 2], (3, 4))
    tree.assert_same_paths(Point(0, 1), OtherPoint(2, 3))
    with pytest.raises(ValueError) as error:
        tree.assert_same_paths({"a": 1}, [1])
    assert str(error.value) == ("`a` and `b` don't have the same paths.\nPaths in `a` missing "
                                "in `b`:\n{('a',)}\nPaths in `b` missing in `a`:\n{(0,)}")


def test_traverse():
    seen = []
    assert tree.traverse(seen.append, [(1, 2), [3], {"a": 4}]) == [(1, 2), [3], {"a": 4}]
    assert seen == [[(1, 2), [3], {"a": 4}], (1, 2), 1, 2, [3], 3, {"a": 4}, 4]
    seen = []
    tree.traverse(seen.append, [(1, 2), [3], {"a": 4}], top_down=False)
    assert seen == [1, 2, (1, 2), 3, [3], 4, {"a": 4}, [(1, 2), [3], {"a": 4}]]
    replace_two = lambda x: tree.MAP_TO_NONE if x == 2 else None  # noqa: E731
    assert tree.traverse(replace_two, [1, [2, 3]]) == [1, [None, 3]]
    # Top down, a result stops the walk into that sub-structure.
    assert tree.traverse(lambda x: "cut" if x == [2, 3] else None, [1, [2, 3]]) == [1, "cut"]


def test_lists_to_tuples_and_map_shape_structure():
    assert tree.lists_to_tuples([1, [2, {"a": [3]}]]) == (1, (2, {"a": (3,)}))
    assert tree.map_shape_structure(len, {"x": (None, 3), "y": [(2,), []]}) == {"x": 2, "y": [1, 0]}
    assert tree.map_shape_structure(list, (None, 4)) == [None, 4]
