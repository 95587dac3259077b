from __future__ import annotations

from versiontrack.store import codec


def test_chain_round_trip_and_small_deltas() -> None:
    base = " ".join(f"Sentence number {i} about North Korean troops in Kursk." for i in range(800))
    edited = base.replace("number 400 ", "number four hundred ")
    alone = codec.compress(edited)
    chained = codec.compress(edited, base)
    assert codec.decompress_chain([(alone, False)]) == edited
    assert codec.decompress_chain([(codec.compress(base), False), (chained, True)]) == edited
    assert len(chained) < 200 < len(alone)
    # a later keyframe starts over: the blobs before it do not matter
    assert codec.decompress_chain([(codec.compress(base), False), (alone, False)]) == edited


def test_keyframes_every_thirty_two_versions() -> None:
    assert [n for n in range(1, 70) if codec.is_keyframe(n)] == [1, 33, 65]
