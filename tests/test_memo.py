"""The resident processes' memo: bounded, emptied whole when a new key finds it full."""

from ormlint.memo import BoundedMemo


def test_a_new_key_empties_a_full_memo_and_a_known_one_does_not():
    memo = BoundedMemo(2)
    assert memo.put("a", 1) == 1 and memo.put("b", 2) == 2
    assert memo.put("b", 3) == 3 and memo == {"a": 1, "b": 3}  # replaced, nothing dropped
    memo.put("c", 4)
    assert memo == {"c": 4}
